"""The exports page: who may see, start and download; progress polling; query counts."""

import datetime
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from celedger.credits.tests.helpers import activity_with, learner
from celedger.reporting import services
from celedger.reporting.models import ExportJob
from celedger.reporting.tests.conftest import claim, job_for

pytestmark = pytest.mark.django_db


def page_url(code: str = "lakeside") -> str:
    return reverse("reporting:exports", args=[code])


def start_data(**overrides: str) -> dict[str, str]:
    return {
        "kind": "credit_claims",
        "date_from": "2020-01-01",
        "date_to": "2030-12-31",
        "file_format": "csv",
        **overrides,
    }


def done_job(publisher: Any, **kwargs: Any) -> ExportJob:
    job = job_for(publisher, "credit_claims", **kwargs)
    job.file.save("claims.csv", ContentFile(b"Learner\r\nAna\r\n"), save=False)
    job.status = ExportJob.Status.DONE
    job.done = job.total = 1
    job.save()
    return job


def test_it_lets_a_coordinator_start_an_export_that_runs_on_commit(
    client: Any, publisher: Any, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    session = activity_with("ama-pra-1", publisher=publisher)
    claim(learner("MD"), session, "ama-pra-1")
    client.force_login(people["coordinator"])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(page_url(), start_data(file_format="xlsx"))

    assert response.status_code == 302
    assert len(callbacks) == 1
    job = ExportJob.objects.get()
    assert job.requested_by == people["coordinator"]
    assert job.params == {"date_from": "2020-01-01", "date_to": "2030-12-31", "format": "xlsx"}
    assert (job.status, job.done, job.total) == ("done", 1, 1)

    page = client.get(page_url())
    assert page.status_code == 200
    assert reverse("reporting:download", args=["lakeside", job.pk]) in page.content.decode()
    download = client.get(reverse("reporting:download", args=["lakeside", job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content)[:2] == b"PK"  # an XLSX is a zip file


def test_it_keeps_the_format_only_for_credit_claims(
    client: Any, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(people["admin"])
    with django_capture_on_commit_callbacks(execute=False):
        client.post(page_url(), start_data(kind="cpe_monitor", file_format="xlsx"))
        client.post(page_url(), start_data(kind="pars_moc"))
    formats = {job.kind: job.params["format"] for job in ExportJob.objects.all()}
    assert formats == {"cpe_monitor": "csv", "pars_moc": "json"}  # one format each


def test_it_shows_errors_next_to_the_dates_and_keeps_the_input(
    client: Any, people: dict[str, Any]
) -> None:
    client.force_login(people["coordinator"])
    response = client.post(
        page_url(), start_data(kind="pars_moc", date_from="2026-05-01", date_to="2026-04-01")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The end date cannot be before the start date." in body
    assert 'value="2026-05-01"' in body
    assert '<option value="pars_moc" selected>' in body
    assert not ExportJob.objects.exists()


def test_it_refuses_a_viewer_starting_an_export_but_shows_the_list(
    client: Any, publisher: Any, people: dict[str, Any]
) -> None:
    job = done_job(publisher)
    client.force_login(people["viewer"])
    page = client.get(page_url())
    assert page.status_code == 200
    assert "Start an export" not in page.content.decode()
    assert client.post(page_url(), start_data()).status_code == 403
    assert ExportJob.objects.count() == 1
    download = client.get(reverse("reporting:download", args=["lakeside", job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"Learner\r\nAna\r\n"


@pytest.mark.parametrize("persona", ["outsider", "learner"])
def test_it_hides_everything_from_other_publishers_staff_and_learners(
    client: Any, publisher: Any, people: dict[str, Any], persona: str
) -> None:
    job = done_job(publisher)
    client.force_login(people[persona])
    assert client.get(page_url()).status_code == 404
    assert client.post(page_url(), start_data()).status_code == 404
    assert client.get(reverse("reporting:download", args=["lakeside", job.pk])).status_code == 404
    assert ExportJob.objects.count() == 1


def test_it_sends_anonymous_visitors_to_sign_in(client: Any, publisher: Any) -> None:
    job = done_job(publisher)
    for response in (
        client.get(page_url()),
        client.post(page_url(), start_data()),
        client.get(reverse("reporting:download", args=["lakeside", job.pk])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_it_does_not_serve_another_publishers_file_through_this_publisher(
    client: Any, publisher: Any, other_publisher: Any, people: dict[str, Any]
) -> None:
    theirs = done_job(other_publisher)
    client.force_login(people["admin"])
    url = reverse("reporting:download", args=["lakeside", theirs.pk])
    assert client.get(url).status_code == 404


def test_it_has_no_download_for_an_unfinished_or_failed_export(
    client: Any, publisher: Any, people: dict[str, Any]
) -> None:
    running = job_for(publisher, "cpe_monitor")
    ExportJob.objects.filter(pk=running.pk).update(status="running", done=3, total=10)
    failed = job_for(publisher, "pars_moc")
    ExportJob.objects.filter(pk=failed.pk).update(
        status="failed", error="PARS needs the publisher's ACCME / JA provider ID."
    )
    client.force_login(people["viewer"])
    for job in (running, failed):
        url = reverse("reporting:download", args=["lakeside", job.pk])
        assert client.get(url).status_code == 404
    body = client.get(page_url()).content.decode()
    assert "PARS needs the publisher&#x27;s ACCME / JA provider ID." in body
    assert 'max="10" value="3"' in body
    assert "3 of 10" in body


def test_it_polls_the_list_partial_only_while_a_job_is_unfinished(
    client: Any, publisher: Any, people: dict[str, Any]
) -> None:
    job = job_for(publisher, "credit_claims")
    ExportJob.objects.filter(pk=job.pk).update(status="running", done=500, total=2000)
    client.force_login(people["viewer"])

    full = client.get(page_url()).content.decode()
    assert "<html" in full
    assert 'hx-trigger="every 2s"' in full

    partial = client.get(page_url(), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert partial.lstrip().startswith('<div id="export-list"')
    assert 'hx-trigger="every 2s"' in partial
    assert 'max="2000" value="500"' in partial

    ExportJob.objects.filter(pk=job.pk).update(status="done", done=2000)
    finished = client.get(page_url(), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in finished
    assert "Done" in finished


def test_it_lists_exports_in_constant_queries(
    client: Any, publisher: Any, people: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client.force_login(people["viewer"])
    done_job(publisher)
    sent_batch(publisher, 1, people["coordinator"])
    # session (1), user (1), membership with publisher (1), stranded jobs expired (1),
    # exports with requester (1), the finished batches' records by status (1), the
    # header's profile (1) and "is staff" check (1).
    with django_assert_max_num_queries(8) as one:
        client.get(page_url())
    for kind in ("cpe_monitor", "pars_moc", "credit_claims", "pars_activities") * 10:
        job = job_for(publisher, kind)
        job.requested_by = people["coordinator"]
        job.status = ExportJob.Status.DONE
        job.save()
    sent_batch(publisher, 3, people["coordinator"])
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(page_url())
    assert response.content.decode().count('<tr id="export-') == 43


def test_it_fails_jobs_stranded_by_a_dead_worker_and_says_why(
    client: Any, publisher: Any, people: dict[str, Any]
) -> None:
    stranded = job_for(publisher, "credit_claims")
    ExportJob.objects.filter(pk=stranded.pk).update(
        status=ExportJob.Status.RUNNING,
        created_at=timezone.now() - services.STALE_AFTER - datetime.timedelta(minutes=1),
    )
    fresh = job_for(publisher, "credit_claims")
    ExportJob.objects.filter(pk=fresh.pk).update(status=ExportJob.Status.RUNNING)
    client.force_login(people["viewer"])

    body = client.get(page_url()).content.decode()

    stranded.refresh_from_db()
    fresh.refresh_from_db()
    assert stranded.status == ExportJob.Status.FAILED and stranded.finished_at is not None
    assert "db_worker" in stranded.error and "Start it again" in body
    assert fresh.status == ExportJob.Status.RUNNING


def test_it_shows_what_a_record_batch_left_held(
    client: Any, publisher: Any, people: dict[str, Any]
) -> None:
    done_job(publisher)
    ExportJob.objects.filter(kind="credit_claims").update(
        kind="cpe_monitor", result={"rows": 4, "held": 2, "late": 1}
    )
    client.force_login(people["viewer"])
    body = client.get(page_url()).content.decode()
    assert "4 records sent in this file" in body
    assert "2 records held, not in the file" in body
    assert reverse("reporting:dashboard", args=["lakeside"]) in body
    assert "1 past NABP's 60 days" in body


def test_each_finished_export_says_what_it_counted(
    client: Any, publisher: Any, people: dict[str, Any]
) -> None:
    """A batch counts reporting records and the activity data activities, not claims."""
    for kind, total in (("credit_claims", 1), ("cpe_monitor", 2), ("pars_activities", 3)):
        job = job_for(publisher, kind)
        job.status = ExportJob.Status.DONE
        job.done = job.total = total
        job.save()
    client.force_login(people["coordinator"])
    body = client.get(page_url()).content.decode()
    assert "1 claim<" in body and "2 records<" in body and "3 activities<" in body
    assert "2 claims" not in body and "3 claims" not in body


def row_of(body: str, job: ExportJob) -> str:
    """The exports table's row of `job`, as HTML."""
    start = body.index(f'<tr id="export-{job.pk}">')
    return body[start : body.index("</tr>", start)]


def sent_batch(publisher: Any, pharmacists: int, by: Any) -> tuple[ExportJob, list[Any]]:
    """A CPE Monitor batch built the way the page builds it, sending one record for each
    of `pharmacists` learners."""
    from celedger.reporting.models import ReportingRecord
    from celedger.reporting.records import records_recompute

    session = activity_with("acpe-p", publisher=publisher, title="Anticoagulation Update")
    for n in range(pharmacists):
        epid = str(2_000_000 + ReportingRecord.objects.count())  # one person, one ID
        profile = learner("PharmD", last_name=f"Pharm{n}", nabp_eprofile_id=epid, birth_month=4)
        profile.birth_day = 9
        profile.save()
        claim(profile, session, "acpe-p")
        records_recompute(learner_id=profile.user_id, activity_id=session.activity_id)
    pending = ReportingRecord.objects.filter(activity=session.activity, status="pending")
    assert pending.count() == pharmacists
    job = services.export_start(
        publisher=publisher,
        requested_by=by,
        kind="cpe_monitor",
        date_from=datetime.date(2020, 1, 1),
        date_to=datetime.date(2030, 12, 31),
    )
    services.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    return job, list(ReportingRecord.objects.filter(exported_in=job).order_by("pk"))


def test_a_batch_says_where_its_records_stand_with_the_accreditor_until_accepted(
    client: Any, publisher: Any, people: dict[str, Any]
) -> None:
    job, records = sent_batch(publisher, 3, people["coordinator"])
    client.force_login(people["viewer"])
    row = row_of(client.get(page_url()).content.decode(), job)
    assert '<span class="badge ">Sent: awaiting NABP&#x27;s answer</span>' in row
    assert "NABP's answer: 3 awaiting the answer." in row
    assert "Done" not in row and "not sent to an accreditor" not in row

    services.record_mark(record=records[0], accepted=True)
    services.record_mark(record=records[1], accepted=False, reason="e-Profile ID not found")
    row = row_of(client.get(page_url()).content.decode(), job)
    assert "NABP's answer: 1 accepted, 1 rejected, 1 awaiting the answer." in row
    assert reverse("reporting:dashboard", args=["lakeside"]) in row

    services.record_mark(record=records[2], accepted=True)
    row = row_of(client.get(page_url()).content.decode(), job)
    assert '<span class="badge badge-err">Rejected in part</span>' in row
    assert "NABP's answer: 2 accepted, 1 rejected." in row

    services.record_mark(record=records[1], accepted=True)  # resolved with NABP
    row = row_of(client.get(page_url()).content.decode(), job)
    assert '<span class="badge badge-ok">Accepted</span>' in row
    assert "NABP's answer: 3 accepted." in row
    assert reverse("reporting:dashboard", args=["lakeside"]) not in row


def test_activity_data_and_claims_files_show_no_accreditors_status(
    client: Any, publisher: Any, people: dict[str, Any]
) -> None:
    claims = done_job(publisher)
    activities = done_job(publisher)
    ExportJob.objects.filter(pk=activities.pk).update(kind="pars_activities")
    client.force_login(people["viewer"])
    body = client.get(page_url()).content.decode()
    for job, note in (
        (claims, "A file for your own records: not sent to an accreditor."),
        (activities, "Not sent from here: upload it to PARS yourself. Its answer is not tracked."),
    ):
        row = row_of(body, job)
        assert '<span class="badge badge-ok">Done</span>' in row
        assert note in row
        assert "answer:" not in row and "Sent" not in row and "Accepted" not in row


def test_a_batch_whose_records_changed_since_says_so(
    client: Any, publisher: Any, people: dict[str, Any]
) -> None:
    from celedger.reporting.models import ReportingRecord

    job, records = sent_batch(publisher, 2, people["coordinator"])
    services.record_mark(record=records[0], accepted=True)
    # Corrected since: a later record replaces what this file sent.
    ReportingRecord.objects.filter(pk=records[1].pk).update(status="corrected", is_current=False)
    client.force_login(people["viewer"])
    row = row_of(client.get(page_url()).content.decode(), job)
    assert '<span class="badge badge-ok">Accepted</span>' in row
    assert "NABP's answer: 1 accepted, 1 corrected or sent again since." in row
