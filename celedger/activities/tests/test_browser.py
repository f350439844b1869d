import datetime
import subprocess
from pathlib import Path
from typing import Any

import pytest

from celedger.accounts.models import User
from celedger.accounts.tests.factories import PASSWORD
from celedger.accreditation.models import Specialty
from celedger.accreditation.tests.factories import CreditTypeFactory, ProfessionFactory
from celedger.activities.models import Activity, Attendance, Session
from celedger.profiles.tests.factories import LearnerProfileFactory, credential
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import PublisherFactory, StaffMembershipFactory
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import (
    PHONE_VIEWPORT,
    no_horizontal_scroll,
    sign_in_as,
    sign_up_the_guides_way,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = StaffMembership.Role


@pytest.fixture
def credit_types() -> dict[str, Any]:
    # Transactional tests flush the reference data migration: re-create what we use.
    physician = ProfessionFactory(code="physician", name="Physician")
    nurse = ProfessionFactory(code="nurse", name="Nurse")
    ama = CreditTypeFactory(
        code="ama-pra-1", name="AMA PRA Category 1 Credit™", short_name="AMA PRA 1"
    )
    ama.professions.add(physician)
    ancc = CreditTypeFactory(code="ancc", name="ANCC nursing contact hours", short_name="ANCC")
    ancc.professions.add(nurse)
    return {"ama": ama, "ancc": ancc}


def test_a_coordinator_builds_a_series_and_prints_a_poster_and_a_learner_signs_in_to_it(
    page: Any, live_server: Any, credit_types: dict[str, Any], tmp_path: Path
) -> None:
    publisher = PublisherFactory(code="lakeside", name="Lakeside Health", liaison_name="Jo Reyes")
    coordinator = StaffMembershipFactory(publisher=publisher, role=Role.COORDINATOR).user
    sign_in_as(page, live_server, coordinator)

    page.goto(f"{live_server.url}/console/")
    assert page.url.endswith("/console/lakeside/")
    assert_accessible(page)
    page.get_by_role("link", name="New activity").first.click()
    assert_accessible(page)

    page.get_by_label("Title").fill("Internal Medicine Grand Rounds")
    page.get_by_label("Format").select_option(label="Regularly scheduled series")
    page.get_by_label("Planned by and for the healthcare team (IPCE)").check()
    today = datetime.date.today()
    page.get_by_label("Starts on").fill(today.isoformat())
    page.get_by_label("Ends on").fill((today + datetime.timedelta(days=28)).isoformat())
    page.get_by_label("Location").fill("Conference Room B")
    page.get_by_label("Physician", exact=True).check()
    page.get_by_label("Nurse", exact=True).check()
    page.locator("#id_credit-0-credit_type").select_option(str(credit_types["ama"].pk))
    page.locator("#id_credit-0-max_hours").fill("1.00")
    page.locator("#id_credit-1-credit_type").select_option(str(credit_types["ancc"].pk))
    page.locator("#id_credit-1-max_hours").fill("1.00")
    page.get_by_label("Status").select_option(label="Published")
    page.get_by_role("button", name="Create activity").click()

    page.get_by_text("was created").wait_for()
    activity = Activity.objects.get(title="Internal Medicine Grand Rounds")
    assert activity.designations.count() == 2
    page.get_by_role("link", name="Add weekly sessions").click()
    assert_accessible(page)
    page.get_by_label("Day of the week").select_option(str(today.weekday()))
    page.get_by_label("Number of sessions").fill("4")
    page.get_by_label("Topic").fill("Grand Rounds")
    page.get_by_role("button", name="Add sessions").click()
    page.get_by_text("4 weekly sessions added").wait_for()
    assert_accessible(page)

    sessions = list(Session.objects.filter(activity=activity).order_by("starts_at"))
    assert len(sessions) == 4
    first = sessions[0]
    display_id = f"{first.event_id[:3]}-{first.event_id[3:]}"
    assert page.get_by_text(display_id).count() >= 1

    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Poster (PDF) for {display_id}").click()
    poster = tmp_path / "poster.pdf"
    download_info.value.save_as(poster)
    text = subprocess.run(
        ["pdftotext", str(poster), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert display_id in text

    # A new learner, on a phone, types the Event ID in lower case with a dash.
    credential("RN")
    Specialty.objects.get_or_create(name="Nursing", parent=None)
    page.context.clear_cookies()
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(live_server.url + "/")
    page.locator("#event-id-box").fill(display_id.lower())
    page.locator("#event-id-box").press("Enter")
    page.wait_for_url(f"**/e/{first.event_id}/")
    page.get_by_role("heading", name="Internal Medicine Grand Rounds").wait_for()
    assert_accessible(page)
    assert no_horizontal_scroll(page)

    # Sign-up (the guide's way: email, duplicate check, profile, verification).
    sign_up_the_guides_way(
        page,
        live_server,
        email="ana.nunez@example.org",
        last_name="Nuñez",
        phone="(734) 555-0199",
        first_name="Ana",
        credential="RN",
        specialty="Nursing",
        license_number="RN123456",
    )

    page.wait_for_url(f"**/e/{first.event_id}/")
    credit = page.locator("section", has=page.get_by_role("heading", name="Your credit"))
    credit.wait_for()
    assert "ANCC nursing contact hours" in credit.inner_text()
    assert "AMA PRA" not in credit.inner_text()
    learner = User.objects.get(email="ana.nunez@example.org")
    # Opening the page checks nobody in (issue 8): the "I'm here" button or a claim does.
    assert not Attendance.objects.filter(learner=learner, session=first).exists()
    assert_accessible(page)
    assert no_horizontal_scroll(page)


def test_an_admin_reaches_every_provider_page_and_learners_see_clear_pages(
    page: Any, live_server: Any, credit_types: dict[str, Any]
) -> None:
    publisher = PublisherFactory(code="lakeside", name="Lakeside Health", liaison_name="Jo Reyes")
    other = PublisherFactory(code="glps", name="Great Lakes Pharmacy")
    admin = StaffMembershipFactory(publisher=publisher, role=Role.ADMIN).user
    StaffMembershipFactory(user=admin, publisher=other, role=Role.VIEWER)
    StaffMembershipFactory(publisher=publisher, role=Role.VIEWER)
    from celedger.activities.tests.factories import (
        ActivityFactory,
        CreditDesignationFactory,
        SessionFactory,
    )

    activity = ActivityFactory(publisher=publisher, title="Sepsis Update")
    CreditDesignationFactory(activity=activity, credit_type=credit_types["ama"])
    session = SessionFactory(activity=activity, event_id="K7QM2P")
    sign_in_as(page, live_server, admin)

    for path in [
        "/console/",
        "/console/lakeside/",
        "/console/lakeside/settings/",
        "/console/lakeside/staff/",
        f"/console/lakeside/activities/{activity.pk}/",
        f"/console/lakeside/activities/{activity.pk}/edit/",
        f"/console/lakeside/activities/{activity.pk}/sessions/new/",
        f"/console/lakeside/activities/{activity.pk}/sessions/{session.pk}/edit/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert_accessible(page)

    page.context.clear_cookies()
    page.set_viewport_size(PHONE_VIEWPORT)
    for path, text in [
        ("/p/lakeside/", "For further assistance, please contact your CE site liaison Jo Reyes"),
        ("/e/K7QM2P/", "Sign in"),
        ("/e/?event_id=zzz-zzz", "We could not find that Event ID"),
    ]:
        page.goto(live_server.url + path)
        page.get_by_text(text).first.wait_for()
        assert_accessible(page)
        assert no_horizontal_scroll(page), path

    # An existing learner signs in from the program page and lands back on it.
    physician = LearnerProfileFactory(profession=credit_types["ama"].professions.get())
    page.goto(f"{live_server.url}/e/k7q-m2p/")
    page.get_by_role("link", name="Sign in", exact=True).last.click()
    page.get_by_label("Email").first.fill(physician.user.email)
    page.get_by_label("Password").first.fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/e/K7QM2P/")
    page.get_by_role("heading", name="Next step").wait_for()
    assert not Attendance.objects.filter(learner=physician.user, session=session).exists()
