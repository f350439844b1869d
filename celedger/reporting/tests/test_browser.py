"""A coordinator starts an export, watches it finish and downloads the file."""

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from celedger.credits.tests.helpers import activity_with, learner
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import PublisherFactory, StaffMembershipFactory
from celedger.reporting.models import ExportJob
from celedger.reporting.tests.conftest import claim, job_for
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT, no_horizontal_scroll, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_starts_an_export_shows_progress_and_downloads_it(
    page: Any, live_server: Any, reference_data: Any
) -> None:
    publisher = PublisherFactory(code="lakeside", name="Lakeside Health")
    coordinator = StaffMembershipFactory(
        publisher=publisher, role=StaffMembership.Role.COORDINATOR
    ).user
    session = activity_with("ama-pra-1", publisher=publisher, title="Sepsis: The First Hour")
    claim(learner("MD", first_name="Ana", last_name="Ruiz"), session, "ama-pra-1", "1.25")
    # An export a worker is still building: the page shows its progress and polls.
    running = job_for(publisher, "cpe_monitor")
    ExportJob.objects.filter(pk=running.pk).update(status="running", done=40, total=100)
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)

    sign_in_as(page, live_server, coordinator)
    page.goto(f"{live_server.url}/console/lakeside/")
    page.get_by_role("link", name="Reports & exports").click()
    expect(page.get_by_role("heading", name="Reports & exports", level=1)).to_be_visible()
    expect(page.get_by_label(f"Progress of export {running.pk}")).to_have_attribute("value", "40")
    assert_accessible(page)

    page.get_by_label("Kind of export").select_option("credit_claims")
    expect(page.get_by_label("File format")).to_be_visible()
    page.get_by_label("Kind of export").select_option("cpe_monitor")
    expect(page.get_by_label("File format")).to_be_hidden()
    page.get_by_label("Kind of export").select_option("credit_claims")
    page.get_by_label("Sessions from").fill("2020-01-01")
    page.get_by_role("button", name="Start export").click()
    expect(page.get_by_text("Export started.")).to_be_visible()

    started = ExportJob.objects.get(kind="credit_claims")
    row = page.locator(f"#export-{started.pk}")
    expect(row.get_by_text("Done")).to_be_visible()
    # A file for the coordinator: no accreditor's status to wait for.
    expect(row).to_contain_text("A file for your own records: not sent to an accreditor.")
    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile("Download")).click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    [line] = list(csv.DictReader(io.StringIO(text)))
    assert line["Learner"] == "Ana Ruiz"
    assert line["Activity"] == "Sepsis: The First Hour"
    assert line["Hours"] == "1.25"

    # The worker finishes the other export: the list's poll picks it up without a reload.
    ExportJob.objects.filter(pk=running.pk).update(status="failed", error="Worker stopped.")
    expect(page.locator(f"#export-{running.pk}").get_by_text("Worker stopped.")).to_be_visible(
        timeout=8000
    )
    expect(page.locator("#export-list")).not_to_have_attribute("hx-trigger", re.compile("."))
    assert_accessible(page)
    page.set_viewport_size(PHONE_VIEWPORT)
    assert no_horizontal_scroll(page)
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_a_held_pharmacist_record_is_fixed_exported_rejected_and_shown_to_the_learner(
    page: Any, live_server: Any, reference_data: Any
) -> None:
    from celedger.reporting.models import ReportingRecord
    from celedger.reporting.records import records_recompute

    publisher = PublisherFactory(code="lakeside", name="Lakeside Health")
    coordinator = StaffMembershipFactory(
        publisher=publisher, role=StaffMembership.Role.COORDINATOR
    ).user
    session = activity_with("acpe-p", publisher=publisher, title="Anticoagulation Update")
    pat = learner("PharmD", first_name="Pat", last_name="Nguyen", birth_month=4, birth_day=9)
    claim(pat, session, "acpe-p", "1.50")
    records_recompute(learner_id=pat.user_id, activity_id=session.activity_id)
    assert ReportingRecord.objects.get().status == "held"

    # The learner sees why on every page and fixes the profile.
    sign_in_as(page, live_server, pat.user)
    page.goto(f"{live_server.url}/transcript/")
    banner = page.get_by_role("region", name="Credit reporting")
    expect(banner).to_contain_text("Add your NABP e-Profile ID")
    banner.get_by_role("link", name="Fix it on your profile").click()
    page.locator("#id_nabp_eprofile_id").fill("2345678")
    page.get_by_role("button", name="Save Profile").click()
    page.wait_for_load_state()
    record = ReportingRecord.objects.get()
    assert (record.status, record.hold_reasons) == ("pending", [])

    # The coordinator sends the batch.
    sign_in_as(page, live_server, coordinator)
    page.goto(f"{live_server.url}/console/lakeside/reporting/")
    expect(page.locator('[data-count="cpe_monitor-pending"]')).to_have_text("1")
    assert_accessible(page)
    page.get_by_role("link", name="Reports & exports").first.click()
    page.get_by_label("Kind of export").select_option("cpe_monitor")
    page.get_by_label("Sessions from").fill("2020-01-01")
    page.get_by_role("button", name="Start export").click()
    job = ExportJob.objects.get(kind="cpe_monitor")
    row = page.locator(f"#export-{job.pk}")
    # A batch's status is its records' with NABP: sent, awaiting the answer.
    expect(row.get_by_text("Sent: awaiting NABP's answer")).to_be_visible()
    expect(row).to_contain_text("NABP's answer: 1 awaiting the answer.")
    assert_accessible(page)
    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile("Download")).click()
    [line] = Path(download_info.value.path()).read_text().splitlines()
    assert line.split(",")[:3] == ["2345678", "0409", "0123-0000-26-001-L01-P"]

    # NABP's answer comes back as an error file.
    page.goto(f"{live_server.url}/console/lakeside/reporting/")
    page.get_by_label("Response from").select_option("cpe_monitor")
    page.get_by_label("Response or error file").set_input_files(
        {
            "name": "errors.csv",
            "mimeType": "text/csv",
            "buffer": b"2345678,0123-0000-26-001-L01-P,REJECTED: e-Profile ID not found\n",
        }
    )
    page.get_by_role("button", name="Read the response").click()
    expect(page.get_by_text("1 rejected")).to_be_visible()
    expect(page.get_by_text("Nguyen")).to_be_visible()
    page.goto(f"{live_server.url}/console/lakeside/exports/")
    expect(page.locator(f"#export-{job.pk}").get_by_text("Rejected", exact=True)).to_be_visible()
    expect(page.locator(f"#export-{job.pk}")).to_contain_text("NABP's answer: 1 rejected.")
    page.goto(f"{live_server.url}/console/lakeside/reporting/")
    page.set_viewport_size(PHONE_VIEWPORT)
    assert no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    # The learner sees what to fix.
    sign_in_as(page, live_server, pat.user)
    page.goto(f"{live_server.url}/transcript/")
    expect(page.get_by_role("region", name="Credit reporting")).to_contain_text(
        "e-Profile ID not found"
    )
    page.goto(f"{live_server.url}/reporting/mine/")
    expect(page.locator(f"#record-{record.pk}")).to_contain_text(
        "Not accepted: REJECTED: e-Profile ID not found"
    )
    assert_accessible(page)
