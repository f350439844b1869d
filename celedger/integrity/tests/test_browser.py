import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from celedger.accreditation.tests.factories import CreditTypeFactory
from celedger.activities.models import Activity
from celedger.activities.tests.factories import (
    ActivityFactory,
    CreditDesignationFactory,
    SessionFactory,
)
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import PublisherFactory, StaffMembershipFactory
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT, no_horizontal_scroll, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"https?://\S+/disclose/[\w-]+/")


def _publish(page: Any, live_server: Any, activity: Activity) -> None:
    page.goto(f"{live_server.url}/console/lakeside/activities/{activity.pk}/edit/")
    page.locator("#id_status").select_option("published")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()


def test_a_speaker_discloses_through_the_emailed_link_and_the_learner_sees_it_mitigated(
    page: Any, live_server: Any, tmp_path: Path
) -> None:
    publisher = PublisherFactory(code="lakeside", name="Lakeside Health")
    coordinator = StaffMembershipFactory(
        publisher=publisher, role=StaffMembership.Role.COORDINATOR
    ).user
    activity = ActivityFactory(
        publisher=publisher, title="Sepsis Update", status=Activity.Status.DRAFT
    )
    CreditDesignationFactory(activity=activity, credit_type=CreditTypeFactory(code="ama-pra-1"))
    SessionFactory(activity=activity, event_id="K7QM2P")

    # The coordinator adds the speaker by email.
    sign_in_as(page, live_server, coordinator)
    page.goto(f"{live_server.url}/console/lakeside/activities/{activity.pk}/")
    page.get_by_role("link", name=re.compile("^Integrity")).click()
    page.get_by_label("Full name").fill("Dr. Ana Ruiz")
    page.locator("#id_email").fill("ana.ruiz@example.org")
    page.get_by_label("Role").select_option("faculty")
    page.get_by_role("button", name="Add and email the disclosure request").click()
    assert page.get_by_text("Disclosure missing").is_visible()
    assert_accessible(page)

    # The speaker, on a phone, opens the emailed link, sets a password, discloses.
    (message,) = [m for m in mail.outbox if "ana.ruiz@example.org" in m.to]
    link = LINK.search(str(message.body))
    assert link
    page.context.clear_cookies()
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(live_server.url + "/disclose/" + link.group(0).split("/disclose/")[1])
    assert_accessible(page)
    page.locator("#id_password1").fill("a long passphrase 9041")
    page.locator("#id_password2").fill("a long passphrase 9041")
    page.get_by_role("button", name="Create account and continue").click()
    page.get_by_label("Yes: I list each one below").check()
    page.locator("#id_rel-0-company").fill("Acme Pharma")
    page.locator("#id_rel-0-nature").select_option("consultant")
    page.get_by_label(re.compile("^I attest")).check()
    assert no_horizontal_scroll(page)
    assert_accessible(page)
    page.get_by_role("button", name="Submit my disclosure").click()
    assert page.get_by_text("your disclosure to Lakeside Health was received").is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})

    # The activity cannot be published yet.
    sign_in_as(page, live_server, coordinator)
    _publish(page, live_server, activity)
    assert page.get_by_text("has disclosed relationships that are not reviewed yet").is_visible()
    activity.refresh_from_db()
    assert activity.status == Activity.Status.DRAFT

    # The coordinator records the mitigation; now it publishes.
    page.goto(f"{live_server.url}/console/lakeside/activities/{activity.pk}/integrity/")
    page.get_by_role("link", name=re.compile("^Review now")).click()
    assert_accessible(page)
    page.get_by_label("Relevant", exact=True).check()
    page.get_by_label("Peer review of the content").check()
    page.get_by_role("button", name="Save the review").click()
    assert page.get_by_text("Relevant relationships mitigated").first.is_visible()
    assert_accessible(page)
    _publish(page, live_server, activity)
    activity.refresh_from_db()
    assert activity.status == Activity.Status.PUBLISHED

    # The activity file holds it all.
    page.goto(f"{live_server.url}/console/lakeside/activities/{activity.pk}/integrity/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the activity file (PDF)").click()
    pdf = tmp_path / "file.pdf"
    download_info.value.save_as(pdf)
    text = " ".join(
        subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    for expected in ["Dr. Ana Ruiz", "Acme Pharma", "Consultant", "Peer review of the content"]:
        assert expected in text, expected

    # The learner sees the disclosure before the content.
    learner = LearnerProfileFactory().user
    sign_in_as(page, live_server, learner)
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/e/K7QM2P/")
    disclosure = page.get_by_role("region", name="Disclosure of financial relationships")
    assert "Dr. Ana Ruiz (faculty): Consultant, Acme Pharma" in " ".join(
        disclosure.inner_text().split()
    )
    assert disclosure.get_by_text("have been mitigated").is_visible()
    assert no_horizontal_scroll(page)
    assert_accessible(page)
