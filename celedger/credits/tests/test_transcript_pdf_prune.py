"""Background transcript PDFs are kept a week: files and rows pruned by the outbox worker."""

import datetime
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from celedger.credits.models import TranscriptPdf
from celedger.credits.services import transcript_pdfs_prune
from celedger.credits.tests.helpers import learner

pytestmark = pytest.mark.django_db


def built(user: Any, *, days_ago: float, stage: str = TranscriptPdf.Stage.DONE) -> TranscriptPdf:
    job = TranscriptPdf.objects.create(learner=user, params={}, stage=stage)
    if stage == TranscriptPdf.Stage.DONE:
        job.file.save("transcript.pdf", ContentFile(b"%PDF-1.7 transcript"), save=True)
    TranscriptPdf.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return job


def test_it_deletes_files_and_rows_past_the_retention_and_keeps_the_rest() -> None:
    user = learner("MD").user
    old = built(user, days_ago=8)
    stuck = built(user, days_ago=9, stage=TranscriptPdf.Stage.LAYOUT)  # a build that died
    recent = built(user, days_ago=6)
    storage = old.file.storage
    assert storage.exists(old.file.name)

    assert transcript_pdfs_prune(older_than=datetime.timedelta(days=7)) == 2

    assert list(TranscriptPdf.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not storage.exists(old.file.name)
    assert storage.exists(recent.file.name)
    assert not TranscriptPdf.objects.filter(pk=stuck.pk).exists()


def test_a_file_already_gone_does_not_keep_its_row() -> None:
    old = built(learner("MD").user, days_ago=8)
    old.file.storage.delete(old.file.name)
    assert transcript_pdfs_prune(older_than=datetime.timedelta(days=7)) == 1
    assert not TranscriptPdf.objects.exists()


def test_the_outbox_worker_prunes_them_with_the_configured_retention(
    settings: Any, monkeypatch: Any
) -> None:
    from django.core.management import call_command

    from celedger.core.management.commands import outbox_worker

    settings.TRANSCRIPT_PDF_KEEP_DAYS = 3
    user = learner("MD").user
    built(user, days_ago=4)
    kept = built(user, days_ago=2)
    # Inside the test's transaction the worker must keep its connection.
    monkeypatch.setattr(outbox_worker.connections, "close_all", lambda: None)
    monkeypatch.setattr(outbox_worker, "close_old_connections", lambda: None)
    call_command("outbox_worker", "--once")
    assert list(TranscriptPdf.objects.values_list("pk", flat=True)) == [kept.pk]
