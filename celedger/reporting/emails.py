"""The one email reporting sends: what a learner must fix before their credit can go out.
Recorded in the outbox inside the caller's transaction (TEAM.md interface 2)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse

from celedger.core.outbox import outbox_email
from celedger.reporting import checks
from celedger.reporting.models import ReportingRecord


def reporting_fix_request_send(
    *, learner_id: int, record_holds: list[tuple[int, list[str]]], rejection: str = ""
) -> bool:
    """Email the learner what to fix for the given records; False if nothing was sent."""
    learner = get_user_model().objects.filter(pk=learner_id).first()
    records = {
        r.pk: r
        for r in ReportingRecord.objects.filter(pk__in=[pk for pk, _ in record_holds])
        .select_related("activity", "publisher")
        .order_by("pk")
    }
    items = []
    for pk, codes in record_holds:
        record = records.get(pk)
        if record is None:
            continue
        fixes = [checks.CHECKS[c] for c in codes if checks.CHECKS[c].learner_must_act]
        if fixes or rejection:
            items.append({"record": record, "fixes": fixes})
    if learner is None or not items:
        return False
    context = {
        "items": items,
        "rejection": rejection,
        "profile_url": settings.SITE_URL + reverse("profiles:edit"),
        "credit_url": settings.SITE_URL + reverse("reporting:mine"),
    }
    outbox_email(
        to=[learner.email],
        subject=f"{settings.SITE_NAME}: your credit cannot be reported yet",
        body=render_to_string("reporting/email/fix_request.txt", context),
    )
    return True
