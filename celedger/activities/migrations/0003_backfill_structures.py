"""Give existing activities a structure, conference sessions an amount, conferences an ID.

A format of regularly scheduled series becomes a series; enduring and journal-based
material becomes home study; any other activity with more than one session was run as a
conference. A conference session's amount is its length in whole quarter hours, capped
by the largest designated maximum: coordinators review it (docs/credits.md).
"""

import secrets
from decimal import ROUND_FLOOR, Decimal

from django.db import migrations

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
QUARTER = Decimal("0.25")


def _free_event_id(Activity, Session) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(6))
        if not (
            Session.objects.filter(event_id=code).exists()
            or Activity.objects.filter(event_id=code).exists()
        ):
            return code


def forwards(apps, schema_editor):
    Activity = apps.get_model("activities", "Activity")
    Session = apps.get_model("activities", "Session")
    CreditDesignation = apps.get_model("activities", "CreditDesignation")
    for activity in Activity.objects.all().iterator():
        sessions = list(Session.objects.filter(activity=activity))
        if activity.format == "rss":
            activity.structure = "series"
        elif activity.format in ("enduring", "journal"):
            activity.structure = "home_study"
        elif len(sessions) > 1:
            activity.structure = "conference"
        else:
            activity.structure = "single"
        if activity.structure == "conference":
            activity.event_id = _free_event_id(Activity, Session)
            maxima = list(
                CreditDesignation.objects.filter(activity=activity).values_list(
                    "max_hours", flat=True
                )
            )
            cap = max(maxima) if maxima else None
            for session in sessions:
                minutes = Decimal((session.ends_at - session.starts_at).total_seconds()) / 60
                hours = (minutes / 60 / QUARTER).to_integral_value(ROUND_FLOOR) * QUARTER
                hours = max(hours, QUARTER)
                if cap is not None:
                    hours = min(hours, cap)
                session.credit_hours = hours
                session.save(update_fields=["credit_hours"])
        activity.save(update_fields=["structure", "event_id"])


class Migration(migrations.Migration):
    dependencies = [("activities", "0002_structures_session_credit")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
