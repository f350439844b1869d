"""Fill the new claim columns and the balances from the claims already recorded.

Existing claims are never changed: a row already above its session's amount is marked
`legacy_over_max`, and a balance already above the maximum keeps that total as its
`legacy_claimed`, so `manage.py report_overclaims` can list them for a coordinator.
"""

from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import migrations


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def forwards(apps, schema_editor):
    Claim = apps.get_model("credits", "Claim")
    CreditBalance = apps.get_model("credits", "CreditBalance")
    SessionUAN = apps.get_model("activities", "SessionUAN")
    session_uans = {(u.session_id, u.designation_id): u.uan for u in SessionUAN.objects.all()}
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    maxima: dict[int, Decimal] = {}
    claims = Claim.objects.select_related(
        "session__activity__publisher", "designation"
    ).iterator()
    for claim in claims:
        session = claim.session
        activity = session.activity
        designation = claim.designation
        zone = _zone(activity.publisher.time_zone)
        if activity.structure == "home_study":
            claim.participated_on = claim.attested_at.astimezone(zone).date()
        else:
            claim.participated_on = session.starts_at.astimezone(zone).date()
        claim.uan = session_uans.get((session.pk, designation.pk), designation.uan)
        cap = designation.max_hours
        if session.credit_hours is not None:
            cap = min(cap, session.credit_hours)
        claim.max_hours = cap
        claim.legacy_over_max = claim.hours > cap
        claim.save(update_fields=["participated_on", "uan", "max_hours", "legacy_over_max"])
        if claim.status == "active" and activity.structure != "series":
            totals[(claim.learner_id, designation.pk)] += claim.hours
            maxima[designation.pk] = designation.max_hours
    CreditBalance.objects.bulk_create(
        [
            CreditBalance(
                learner_id=learner_id,
                designation_id=designation_id,
                claimed=claimed,
                maximum=maxima[designation_id],
                legacy_claimed=claimed if claimed > maxima[designation_id] else Decimal(0),
            )
            for (learner_id, designation_id), claimed in totals.items()
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("credits", "0002_claim_participation_balance"),
        ("activities", "0003_backfill_structures"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
