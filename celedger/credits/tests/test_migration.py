"""The claim migrations fill the new columns from existing rows and change no hours."""

import datetime
from decimal import Decimal

import pytest

BEFORE = [
    ("activities", "0002_structures_session_credit"),
    ("credits", "0002_claim_participation_balance"),
]
AFTER = [("activities", "0003_backfill_structures"), ("credits", "0004_claim_columns_required")]


@pytest.mark.django_db(transaction=True)
def test_it_backfills_claims_and_reports_old_overclaims_unchanged(reference_data, migrate_to):
    old = migrate_to(BEFORE)
    User = old.get_model("accounts", "User")
    Publisher = old.get_model("publishers", "Publisher")
    Activity = old.get_model("activities", "Activity")
    Session = old.get_model("activities", "Session")
    CreditType = old.get_model("accreditation", "CreditType")
    CreditDesignation = old.get_model("activities", "CreditDesignation")
    Claim = old.get_model("credits", "Claim")
    publisher = Publisher.objects.create(
        code="mig", name="Migrated", time_zone="America/Los_Angeles"
    )
    user = User.objects.create(email="old@example.org")
    activity = Activity.objects.create(
        publisher=publisher,
        title="Cardiology Update",
        format="live",
        starts_on=datetime.date(2026, 3, 6),
        ends_on=datetime.date(2026, 3, 7),
    )
    designation = CreditDesignation.objects.create(
        activity=activity,
        credit_type=CreditType.objects.get(code="ama-pra-1"),
        max_hours=Decimal("6.50"),
    )
    utc = datetime.UTC
    # 17:00-18:30 on March 6 in Los Angeles, then an evening one that is March 8 in UTC.
    first = Session.objects.create(
        activity=activity,
        event_id="MGAAAA",
        starts_at=datetime.datetime(2026, 3, 7, 1, 0, tzinfo=utc),
        ends_at=datetime.datetime(2026, 3, 7, 2, 30, tzinfo=utc),
    )
    second = Session.objects.create(
        activity=activity,
        event_id="MGAAAB",
        starts_at=datetime.datetime(2026, 3, 8, 3, 0, tzinfo=utc),
        ends_at=datetime.datetime(2026, 3, 8, 4, 0, tzinfo=utc),
    )
    for session, hours in ((first, "1.50"), (second, "6.50")):
        Claim.objects.create(
            learner=user,
            session=session,
            designation=designation,
            hours=Decimal(hours),
            attested_at=session.ends_at,
        )

    new = migrate_to(AFTER)
    Activity = new.get_model("activities", "Activity")
    Session = new.get_model("activities", "Session")
    Claim = new.get_model("credits", "Claim")
    CreditBalance = new.get_model("credits", "CreditBalance")
    migrated = Activity.objects.get(pk=activity.pk)
    assert migrated.structure == "conference" and len(migrated.event_id) == 6
    assert [s.credit_hours for s in Session.objects.order_by("starts_at")] == [
        Decimal("1.50"),
        Decimal("1.00"),
    ]
    claims = list(Claim.objects.order_by("session__starts_at"))
    assert [c.hours for c in claims] == [Decimal("1.50"), Decimal("6.50")]
    assert [c.participated_on for c in claims] == [
        datetime.date(2026, 3, 6),
        datetime.date(2026, 3, 7),
    ]
    assert [c.legacy_over_max for c in claims] == [False, True]
    balance = CreditBalance.objects.get()
    assert (balance.claimed, balance.maximum, balance.legacy_claimed) == (
        Decimal("8.00"),
        Decimal("6.50"),
        Decimal("8.00"),
    )
