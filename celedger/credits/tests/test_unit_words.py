"""Every amount of credit is printed with its credit type's unit words ("1 AMA PRA
Category 1 Credit™", "1.5 contact hours", "2 MOC points"), never a bare number or "h"."""

import csv
import io
import re
import shutil
import subprocess
from typing import Any

import pytest
from django.urls import reverse

from celedger.activities.models import Attendance
from celedger.credits.tests.helpers import (
    activity_with,
    conference,
    designate,
    diplomate,
    hours_for,
    learner,
)
from celedger.credits.tests.test_maximum import sessions_of, submit_conference
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def internist(activity: Any) -> Any:
    profile = learner("MD", last_name="Internist")
    diplomate(profile, "ABIM", consented=True)
    for session in sessions_of(activity):
        Attendance.objects.create(session=session, learner=profile.user)
    return profile


def moc_conference() -> Any:
    activity = conference("ama-pra-1")
    designate(activity, "moc-abim", "6.50")
    return activity


def test_the_claim_and_program_pages_print_each_sessions_amount_in_unit_words(client):
    activity = moc_conference()
    profile = internist(activity)
    client.force_login(profile.user)
    first = sessions_of(activity)[0]
    claim_page = client.get(reverse("credits:claim", args=[activity.event_id])).content.decode()
    program = client.get(reverse("activities:program", args=[first.event_id])).content.decode()
    for body in (claim_page, program):
        assert not re.search(r"\d h\b", body)
        # Session 2 carries 1.50: one phrase per credit type, points never "hours".
        assert "1.5 AMA PRA Category 1 Credits™ · 1.5 ABIM Medical Knowledge MOC points" in body
        assert "1 AMA PRA Category 1 Credit™ · 1 ABIM Medical Knowledge MOC point" in body


def test_the_claim_page_lists_what_was_claimed_in_unit_words(client):
    activity = moc_conference()
    profile = internist(activity)
    submit_conference(profile, activity, sessions_of(activity)[:1], "1.00")
    client.force_login(profile.user)
    body = client.get(reverse("credits:claim", args=[activity.event_id])).content.decode()
    section = body.split('id="claimed-heading"')[1].split("</section>")[0]
    assert "1 AMA PRA Category 1 Credit™" in section
    assert "1.00 AMA" not in section


def test_the_console_sessions_table_prints_amounts_in_unit_words(client):
    activity = moc_conference()
    staff = StaffMembershipFactory(publisher=activity.publisher, role=StaffMembership.Role.VIEWER)
    client.force_login(staff.user)
    url = reverse("activities:console_detail", args=[activity.publisher.code, activity.pk])
    body = client.get(url).content.decode()
    assert "1.25 AMA PRA Category 1 Credits™ · 1.25 ABIM Medical Knowledge MOC points" in body
    assert "1.25 h" not in body


def test_the_transcript_totals_and_rows_use_the_singular_for_one(client, tmp_path):
    session = activity_with("ancc", hours="1.00")
    nurse = learner("RN")
    from celedger.credits.services import claim_submit

    claim_submit(
        learner=nurse.user,
        session=session,
        hours_by_designation=hours_for(session, "ancc"),
        attested=True,
    )
    client.force_login(nurse.user)
    body = client.get(reverse("credits:transcript")).content.decode()
    totals = body.split('class="totals"')[1].split("</ul>")[0]
    assert "<strong>1 ANCC contact hour</strong>" in totals
    assert 'data-label="Credit" class="num">1 ANCC contact hour</td>' in body
    rows = list(csv.reader(io.StringIO(client.get(reverse("credits:transcript_csv")).text)))
    assert rows[0][5:7] == ["Amount", "Unit"] and "Hours" not in rows[0]
    assert rows[1][5:7] == ["1.00", "ANCC contact hour"]
    if shutil.which("pdftotext"):
        path = tmp_path / "transcript.pdf"
        path.write_bytes(client.get(reverse("credits:transcript_pdf")).content)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "1 ANCC contact hour" in " ".join(text.split())


def test_the_roster_prints_claims_and_totals_in_unit_words(client):
    activity = moc_conference()
    profile = internist(activity)
    submit_conference(profile, activity, sessions_of(activity)[:1], "1.00")
    submit_conference(profile, activity, sessions_of(activity)[:1], "1.00", code="moc-abim")
    staff = StaffMembershipFactory(publisher=activity.publisher, role=StaffMembership.Role.VIEWER)
    client.force_login(staff.user)
    body = client.get(
        reverse("credits:roster", args=[activity.publisher.code, activity.pk])
    ).content.decode()
    assert "AMA PRA Category 1: <strong>1 AMA PRA Category 1 Credit™</strong>" in body
    assert "ABIM MOC: <strong>1 ABIM Medical Knowledge MOC point</strong>" in body
    assert "ABIM MOC: 1 ABIM Medical Knowledge MOC point</a>" in body
