"""Background work for integrity: the disclosure request email."""

from django.tasks import task

from celedger.integrity.emails import disclosure_request_send
from celedger.integrity.models import ContentRole


@task()
def disclosure_request_task(content_role_id: int) -> None:
    """Email the disclosure link; nothing if the role was removed before the worker ran."""
    role = (
        ContentRole.objects.select_related("activity", "activity__publisher", "invited_by")
        .filter(pk=content_role_id, removed_at__isnull=True)
        .first()
    )
    if role is not None:
        disclosure_request_send(content_role=role)
