"""The reporting dashboard, the activity PARS page, the response upload and the learner's
side: each persona gets exactly its rights; pages read in bounded queries."""

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from celedger.credits.tests.helpers import activity_with, diplomate, learner
from celedger.publishers.models import StaffMembership
from celedger.publishers.selectors import ROLE_RANK
from celedger.publishers.tests.personas import PERSONAS
from celedger.reporting.models import ActivityReporting, ExportJob, ReportingRecord
from celedger.reporting.records import records_recompute
from celedger.reporting.tests.conftest import claim

pytestmark = pytest.mark.django_db

Role = StaffMembership.Role


def held_pharmacist(publisher: Any) -> tuple[Any, ReportingRecord]:
    session = activity_with("acpe-p", publisher=publisher, title="Anticoagulation Update")
    pat = learner("PharmD", first_name="Pat", last_name="Nguyen", birth_month=4, birth_day=9)
    claim(pat, session, "acpe-p")
    records_recompute(learner_id=pat.user_id, activity_id=session.activity_id)
    return pat, ReportingRecord.objects.get(learner=pat.user)


def exported(record: ReportingRecord) -> ReportingRecord:
    job = ExportJob.objects.create(publisher=record.publisher, kind="cpe_monitor", status="done")
    ReportingRecord.objects.filter(pk=record.pk).update(
        status="exported", exported_in=job, exported_at=timezone.now(), hold_reasons=[]
    )
    record.refresh_from_db()
    return record


class Ctx:
    def __init__(self, publisher: Any, record: ReportingRecord) -> None:
        self.code = publisher.code
        self.record = record
        self.activity_id = record.activity_id


# (name, method, min role, url(ctx), data(ctx))
ACTIONS: list[tuple[str, str, str, Any, Any]] = [
    (
        "dashboard",
        "get",
        Role.VIEWER,
        lambda c: reverse("reporting:dashboard", args=[c.code]),
        None,
    ),
    (
        "activity-page",
        "get",
        Role.VIEWER,
        lambda c: reverse("reporting:activity_reporting", args=[c.code, c.activity_id]),
        None,
    ),
    (
        "activity-save",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("reporting:activity_reporting", args=[c.code, c.activity_id]),
        lambda c: {"accme_activity_id": "201234567", "providership": "direct"},
    ),
    (
        "mark",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("reporting:record_mark", args=[c.code, c.record.pk]),
        lambda c: {"verdict": "accepted"},
    ),
    (
        "send",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("reporting:send", args=[c.code]),
        lambda c: {"channel": "cpe_monitor"},
    ),
    (
        "export-start",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("reporting:exports", args=[c.code]),
        lambda c: {"kind": "cpe_monitor", "date_from": "2020-01-01", "date_to": "2030-12-31"},
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method", "min_role", "url", "data"), ACTIONS, ids=[a[0] for a in ACTIONS]
)
def test_it_gives_each_persona_exactly_its_rights(
    client: Any,
    publisher: Any,
    people: dict[str, Any],
    persona: str,
    name: str,
    method: str,
    min_role: str,
    url: Any,
    data: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _, record = held_pharmacist(publisher)
    exported(record)
    ctx = Ctx(publisher, record)
    if people[persona] is not None:
        client.force_login(people[persona])
    before = (
        list(ReportingRecord.objects.values_list("status", flat=True)),
        ExportJob.objects.count(),
        ActivityReporting.objects.count(),
    )
    call = getattr(client, method)
    with django_capture_on_commit_callbacks(execute=False):
        response = call(url(ctx), data(ctx)) if data else call(url(ctx))

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif persona in ("outsider", "learner"):
        assert response.status_code == 404
    elif ROLE_RANK[Role(persona)] < ROLE_RANK[Role(min_role)]:
        assert response.status_code == 403  # viewers cannot export or change records
    else:
        expected = 302 if method == "post" else 200
        assert response.status_code == expected, response.content.decode()[:2000]
        return
    after = (
        list(ReportingRecord.objects.values_list("status", flat=True)),
        ExportJob.objects.count(),
        ActivityReporting.objects.count(),
    )
    assert after == before, "a refused request changed data"


def test_staff_see_only_their_publishers_records(
    client: Any, publisher: Any, other_publisher: Any, people: dict[str, Any]
) -> None:
    held_pharmacist(publisher)
    session = activity_with("acpe-p", publisher=other_publisher, title="Elsewhere Only")
    other = learner("PharmD", first_name="Zed", last_name="Other")
    claim(other, session, "acpe-p")
    records_recompute(learner_id=other.user_id, activity_id=session.activity_id)

    client.force_login(people["viewer"])
    body = client.get(reverse("reporting:dashboard", args=["lakeside"])).content.decode()

    assert "Pat Nguyen" in body
    assert "Zed Other" not in body and "Elsewhere Only" not in body
    assert reverse("reporting:response_upload", args=["lakeside"]) not in body  # viewer


def test_the_dashboard_shows_counts_due_soon_held_with_fix_and_activity_readiness(
    client: Any, publisher: Any, people: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    held_pharmacist(publisher)
    client.force_login(people["coordinator"])
    url = reverse("reporting:dashboard", args=["lakeside"])
    # + the commercial support of the activities (integrity) and the header's cached staff
    # link on this first request.
    with django_assert_max_num_queries(15):
        body = client.get(url).content.decode()
    assert 'data-count="cpe_monitor-held">1<' in body
    assert "No NABP e-Profile ID on the learner&#x27;s profile." in body
    assert "Due in the next 7 days" in body
    assert "missing a description" in body or "Incomplete" in body

    for _ in range(12):
        held_pharmacist(publisher)
    # Same queries with 13 held records: the count does not grow with the rows.
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_a_rejection_file_marks_records_and_reaches_the_learner(
    client: Any, publisher: Any, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    pat, record = held_pharmacist(publisher)
    pat.nabp_eprofile_id = "1234567"
    pat.save()
    exported(record)
    client.force_login(people["coordinator"])
    response_text = f"1234567,{record.uan},REJECTED: ePID and birth date do not match NABP\n"
    upload = SimpleUploadedFile("errors.csv", response_text.encode(), content_type="text/csv")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:response_upload", args=["lakeside"]),
            {"channel": "cpe_monitor", "file": upload},
        )

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "rejected"
    assert "do not match NABP" in record.rejection_reason
    assert [m.to for m in mail.outbox] == [[pat.user.email]]
    assert "do not match NABP" in mail.outbox[0].body

    client.force_login(pat.user)
    page = client.get(reverse("reporting:mine")).content.decode()
    assert "Not accepted: REJECTED: ePID and birth date do not match NABP" in page
    amount = record.designation.credit_type.unit_for(record.hours)
    assert f"UAN {record.uan}: {record.hours.normalize():f} {amount}" in page  # unit words
    assert 'aria-label="Credit reporting"' in page  # the banner, on every page


def test_marking_by_hand_needs_a_reason_shown_next_to_the_field(
    client: Any, publisher: Any, people: dict[str, Any]
) -> None:
    _, record = held_pharmacist(publisher)
    exported(record)
    client.force_login(people["coordinator"])
    response = client.post(
        reverse("reporting:record_mark", args=["lakeside", record.pk]), {"verdict": "rejected"}
    )
    assert response.status_code == 400
    assert "Say why it was rejected" in response.content.decode()
    record.refresh_from_db()
    assert record.status == "exported"


def test_an_accme_activity_id_releases_held_moc_records(
    client: Any, publisher: Any, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    session = activity_with("moc-abim", publisher=publisher)
    doc = learner("MD", birth_month=3, birth_day=14)
    diplomate(doc, "ABIM", consented=True)
    claim(doc, session, "moc-abim")
    records_recompute(learner_id=doc.user_id, activity_id=session.activity_id)
    assert ReportingRecord.objects.get().hold_reasons == ["no_accme_activity_id"]
    client.force_login(people["coordinator"])
    url = reverse("reporting:activity_reporting", args=["lakeside", session.activity_id])

    bad = client.post(url, {"accme_activity_id": "12AB", "providership": "direct"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "The ACCME activity ID has 9 digits." in body and 'value="12AB"' in body

    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(
            url,
            {
                "accme_activity_id": "201234567",
                "providership": "direct",
                "commercial_support_answer": "no",
                "moc_ABIM": "Practice Assessment",
            },
        )
    assert ok.status_code == 302
    record = ReportingRecord.objects.get()
    assert (record.status, record.hold_reasons) == ("pending", [])
    reporting = ActivityReporting.objects.get()
    assert reporting.moc_credit_types == {"ABIM": "Practice Assessment"}
    assert reporting.commercial_support is False


def test_the_learner_banner_links_to_the_fix(
    client: Any, publisher: Any, django_assert_max_num_queries: Any
) -> None:
    pat, _ = held_pharmacist(publisher)
    client.force_login(pat.user)
    with django_assert_max_num_queries(8):
        body = client.get(reverse("reporting:mine")).content.decode()
    assert "Add your NABP e-Profile ID to your profile" in body
    assert f"{reverse('profiles:edit')}#id_nabp_eprofile_id" in body


def test_a_coordinator_marks_a_sent_record_accepted_from_the_dashboard(
    client: Any, publisher: Any, people: dict[str, Any]
) -> None:
    _, record = held_pharmacist(publisher)
    exported(record)
    client.force_login(people["coordinator"])
    body = client.get(reverse("reporting:dashboard", args=["lakeside"])).content.decode()
    assert reverse("reporting:record_mark", args=["lakeside", record.pk]) in body
    response = client.post(
        reverse("reporting:record_mark", args=["lakeside", record.pk]), {"verdict": "accepted"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "accepted"
