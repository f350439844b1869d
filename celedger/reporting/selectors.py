"""Reads for the exports page: a publisher's jobs and one job its staff may download."""

from django.db.models import QuerySet
from django.http import Http404

from celedger.publishers.models import Publisher
from celedger.reporting.models import ExportJob

LIST_LIMIT = 50


def exports_for_publisher(*, publisher: Publisher, limit: int = LIST_LIMIT) -> list[ExportJob]:
    """The publisher's newest exports with who asked for them (one query)."""
    jobs: QuerySet[ExportJob] = ExportJob.objects.filter(publisher=publisher).select_related(
        "requested_by"
    )
    return list(jobs[:limit])


def export_get_for_download(*, publisher: Publisher, pk: int) -> ExportJob:
    """A finished export of this publisher with a file; anything else is a 404."""
    job = ExportJob.objects.filter(
        publisher=publisher, pk=pk, status=ExportJob.Status.DONE
    ).first()
    if job is None or not job.file:
        raise Http404
    return job
