"""Reminders: timing before the claim window closes, once per kind, opt-out, NABP data."""

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from celedger.activities.tests.factories import (
    AttendanceFactory,
    SessionFactory,
)
from celedger.credits.services import claim_award
from celedger.credits.tests.helpers import activity_with, diplomate, learner
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.reporting.models import ReportingRecord
from celedger.reporting.records import records_recompute
from celedger.reporting.tests.conftest import claim
from celedger.rollout.models import ReminderSent, ReminderSettings
from celedger.rollout.services import reminders_opt, reminders_send
from celedger.rollout.tests.helpers import links_to, path_of

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def closing(activity: Any) -> Any:
    """The activity's claim window closes 10 days from now."""
    activity.claim_closes_at = timezone.now() + 10 * DAY
    activity.save()
    return activity.claim_closes_at


def _sent_to(email: str) -> list[Any]:
    return [m for m in mail.outbox if email in m.to]


def test_it_reminds_at_each_offset_once(session: Any, closing: Any) -> None:
    learner = LearnerProfileFactory().user
    AttendanceFactory(session=session, learner=learner)

    assert reminders_send(now=closing - 8 * DAY).claim_emails == 0
    assert reminders_send(now=closing - 7 * DAY).claim_emails == 1
    assert reminders_send(now=closing - 6 * DAY).claim_emails == 0  # hourly cron: nothing new
    assert reminders_send(now=closing - DAY + datetime.timedelta(minutes=1)).claim_emails == 1
    assert reminders_send(now=closing - datetime.timedelta(hours=1)).claim_emails == 0
    assert reminders_send(now=closing + datetime.timedelta(minutes=1)).claim_emails == 0
    assert set(ReminderSent.objects.values_list("kind", flat=True)) == {"claim-7", "claim-1"}
    body = str(_sent_to(learner.email)[0].body)
    assert "/e/K7QM2P/claim/" in body
    assert "Stop these reminders" in body


def test_a_missed_week_sends_only_the_nearest_reminder(session: Any, closing: Any) -> None:
    AttendanceFactory(session=session, learner=LearnerProfileFactory().user)
    assert reminders_send(now=closing - datetime.timedelta(hours=12)).claim_emails == 1
    assert reminders_send(now=closing - datetime.timedelta(hours=11)).claim_emails == 0
    assert list(ReminderSent.objects.values_list("kind", flat=True)) == ["claim-1"]


def test_it_skips_claimed_opted_out_and_disabled(
    publisher: Any, people: Any, session: Any, designation: Any, closing: Any
) -> None:
    claimed = LearnerProfileFactory().user
    opted_out = LearnerProfileFactory().user
    for person in (claimed, opted_out):
        AttendanceFactory(session=session, learner=person)
    claim_award(
        actor=people["coordinator"],
        learner=claimed,
        session=session,
        designation=designation,
        hours="1.50",
        reason="late",
    )
    reminders_opt(user=opted_out, opted_out=True)
    assert reminders_send(now=closing - 7 * DAY).claim_emails == 0

    waiting = LearnerProfileFactory().user
    AttendanceFactory(session=session, learner=waiting)
    ReminderSettings.objects.create(publisher=publisher, enabled=False)
    assert reminders_send(now=closing - 7 * DAY).claim_emails == 0


def test_the_publishers_days_and_the_default_window(publisher: Any, activity: Any) -> None:
    ReminderSettings.objects.create(publisher=publisher, claim_days_before="3")
    # No explicit window: it closes 30 days after the session ends.
    ended = timezone.now() - 20 * DAY
    session = SessionFactory(
        activity=activity, starts_at=ended - datetime.timedelta(hours=1), ends_at=ended
    )
    AttendanceFactory(session=session, learner=LearnerProfileFactory().user)
    closes = ended + 30 * DAY
    assert reminders_send(now=closes - 4 * DAY).claim_emails == 0
    assert reminders_send(now=closes - 3 * DAY).claim_emails == 1


def test_the_email_link_stops_reminders_only_after_the_button(
    client: Any, session: Any, closing: Any
) -> None:
    learner = LearnerProfileFactory().user
    AttendanceFactory(session=session, learner=learner)
    reminders_send(now=closing - 7 * DAY)
    path = path_of(links_to(learner.email, "/reminders/stop/")[0])

    assert client.get(path).status_code == 200  # a mail scanner opening it changes nothing
    assert reminders_send(now=closing - DAY).claim_emails == 1
    client.post(path)
    other = SessionFactory(activity=session.activity)
    AttendanceFactory(session=other, learner=learner)
    assert reminders_send(now=closing - datetime.timedelta(hours=2)).claim_emails == 0
    assert client.get(path[:-5] + "xxxx/").status_code == 404


def test_learners_turn_reminders_off_and_on_in_their_account(client: Any) -> None:
    learner = LearnerProfileFactory().user
    client.force_login(learner)
    url = reverse("rollout:reminder_preferences")
    assert "checked" in client.get(url).content.decode()
    client.post(url, {})
    assert "checked" not in client.get(url).content.decode()
    client.post(url, {"reminders": "on"})
    assert "checked" in client.get(url).content.decode()


def _held_claim(profile: Any, session: Any, code: str) -> None:
    claim(profile, session, code)
    records_recompute(learner_id=profile.user_id, activity_id=session.activity_id)


def test_learners_whose_records_are_held_for_their_data_are_reminded_before_the_deadline(
    publisher: Any,
) -> None:
    # Held for the learner's data: a pharmacist without an NABP e-Profile ID (CPE Monitor,
    # 60 days) and a diplomate without a board ID (PARS MOC, 30 days).
    acpe = activity_with("acpe-p", publisher=publisher)
    moc = activity_with("moc-abim", publisher=publisher)
    pharmacist = learner("PharmD", nabp_eprofile_id="", birth_month=4, birth_day=27)
    complete = learner("PharmD", nabp_eprofile_id="1234567", birth_month=4, birth_day=27)
    doc = learner("MD", birth_month=3, birth_day=14)
    diplomate(doc, "ABIM", consented=True).__class__.objects.filter(profile=doc).update(
        diplomate_id=""
    )
    for profile in (pharmacist, complete):
        _held_claim(profile, acpe, "acpe-p")
    _held_claim(doc, moc, "moc-abim")
    now = timezone.now()
    # A month and more before the CPE deadline: nothing yet (offsets 7 and 1 days).
    assert reminders_send(now=now).held_emails == 0
    moc_due = ReportingRecord.objects.get(learner=doc.user).due_on
    on_moc_week = datetime.datetime.combine(
        moc_due - datetime.timedelta(days=6), datetime.time(9), tzinfo=datetime.UTC
    )
    assert reminders_send(now=on_moc_week).held_emails == 1
    assert reminders_send(now=on_moc_week).held_emails == 0
    body = str(_sent_to(doc.user.email)[-1].body)
    assert "board ID" in body and "#id_board_id" in body
    assert "American Board of Internal Medicine (MOC)" in body
    cpe_due = ReportingRecord.objects.get(learner=pharmacist.user).due_on
    last_day = datetime.datetime.combine(
        cpe_due - datetime.timedelta(days=1), datetime.time(9), tzinfo=datetime.UTC
    )
    assert reminders_send(now=last_day).held_emails == 1  # the pharmacist; MOC is past due
    body = str(_sent_to(pharmacist.user.email)[-1].body)
    assert "NABP e-Profile ID" in body and "#id_nabp_eprofile_id" in body
    assert "CPE Monitor" in body and f"{cpe_due:%B} {cpe_due.day}, {cpe_due.year}" in body
    assert not [m for m in _sent_to(complete.user.email) if "reported" in str(m.subject)]
    # Opted out, or the publisher turned reminders off: none.
    ReminderSent.objects.all().delete()
    reminders_opt(user=pharmacist.user, opted_out=True)
    ReminderSettings.objects.create(publisher=publisher, enabled=False)
    assert reminders_send(now=on_moc_week).held_emails == 0


def test_the_command_is_safe_to_run_hourly(session: Any, activity: Any) -> None:
    activity.claim_closes_at = timezone.now() + DAY / 2
    activity.save()
    AttendanceFactory(session=session, learner=LearnerProfileFactory().user)
    out = StringIO()
    call_command("send_reminders", stdout=out)
    call_command("send_reminders", stdout=out)
    assert out.getvalue().splitlines() == [
        "claim reminders: 1 email(s); held reporting records: 0 email(s)",
        "claim reminders: 0 email(s); held reporting records: 0 email(s)",
    ]


def test_admins_set_the_days_with_errors_next_to_the_field(login: Any, publisher: Any) -> None:
    client = login("admin")
    url = reverse("rollout:reminder_settings", args=[publisher.code])
    bad = client.post(url, {"enabled": "on", "claim_days_before": "7, soon"})
    assert bad.status_code == 400
    assert "Enter whole days" in bad.content.decode()
    assert 'value="7, soon"' in bad.content.decode()
    client.post(url, {"enabled": "on", "claim_days_before": "1, 14"})
    assert ReminderSettings.objects.get(publisher=publisher).days == [14, 1]


def test_the_claim_reminder_names_the_publisher(session: Any, closing: Any) -> None:
    learner = LearnerProfileFactory().user
    AttendanceFactory(session=session, learner=learner)
    reminders_send(now=closing - 7 * DAY)
    (sent,) = _sent_to(learner.email)
    assert session.activity.publisher.name in str(sent.subject)
