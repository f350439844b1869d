"""Private files: no public URL, unguessable names, served only after an access check."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from celedger.certificates.models import Certificate
from celedger.certificates.services import certificate_issue
from celedger.core.files import (
    move_public_files_to_private,
    private_file_response,
    private_storage,
    private_upload_to,
)
from celedger.credits.services import claim_submit
from celedger.credits.tests.helpers import activity_with, hours_for, learner
from celedger.reporting.models import ExportJob

pytestmark = pytest.mark.django_db


def issued_certificate() -> Certificate:
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, "ama-pra-1", None),
        attested=True,
    )
    certificate = certificate_issue(learner=profile.user, activity=session.activity)
    assert certificate is not None and certificate.pdf
    return certificate


def test_it_stores_a_certificate_privately_under_an_unguessable_name(settings: Any) -> None:
    certificate = issued_certificate()
    name = certificate.pdf.name
    assert certificate.number not in name
    assert len(Path(name).stem) >= 32
    assert certificate.pdf.storage.path(name).startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not Path(settings.MEDIA_ROOT, name).exists()


def test_no_media_url_serves_a_certificate(client: Client, settings: Any) -> None:
    certificate = issued_certificate()
    # Today's main served /media/certificates/… to anyone on the `make run` server.
    assert client.get(f"/media/{certificate.pdf.name}").status_code == 404
    assert client.get(f"/media/certificates/{certificate.number}.pdf").status_code == 404


def test_names_differ_each_time() -> None:
    upload_to = private_upload_to("exports")
    first, second = upload_to(None, "CE-1-2.csv"), upload_to(None, "CE-1-2.csv")
    assert first != second and first.endswith(".csv") and first.startswith("exports/")
    assert "CE-1-2" not in first


@pytest.mark.parametrize(
    ("mode", "header", "expected"),
    [
        ("x-accel-redirect", "X-Accel-Redirect", "/private-files/exports/"),
        ("x-sendfile", "X-Sendfile", "/exports/"),
    ],
)
def test_it_hands_the_transfer_to_the_proxy(
    settings: Any, mode: str, header: str, expected: str
) -> None:
    settings.PRIVATE_FILES_SERVE = mode
    job = ExportJob(kind="credit_claims")
    job.file.save("x.csv", ContentFile(b"a,b\n"), save=False)
    response = private_file_response(job.file, filename="claims.csv", content_type="text/csv")
    assert expected in response[header]
    assert response["Content-Disposition"] == 'attachment; filename="claims.csv"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "text/csv"
    assert not getattr(response, "streaming", False) and response.content == b""


def test_it_streams_by_default() -> None:
    job = ExportJob(kind="credit_claims")
    job.file.save("x.csv", ContentFile(b"a,b\n"), save=False)
    response = private_file_response(job.file, filename="claims.csv", content_type="text/csv")
    assert b"".join(response.streaming_content) == b"a,b\n"  # type: ignore[attr-defined]


def test_the_data_migration_moves_public_files_out_of_media() -> None:
    certificate = issued_certificate()
    # A certificate as today's main stored it: /media/certificates/2026/12/CE-….pdf
    old = default_storage.save(
        f"certificates/2026/12/{certificate.number}.pdf", ContentFile(b"%PDF-old")
    )
    Certificate.objects.filter(pk=certificate.pk).update(pdf=old)
    gone = issued_certificate()
    Certificate.objects.filter(pk=gone.pk).update(pdf="certificates/2026/12/missing.pdf")

    moved = move_public_files_to_private(
        Certificate.objects.all(),
        field="pdf",
        prefix="certificates",
        extra_clear={"pdf_fingerprint": ""},
    )
    assert moved == 1
    certificate.refresh_from_db()
    assert not default_storage.exists(old)
    assert private_storage.open(certificate.pdf.name).read() == b"%PDF-old"
    gone.refresh_from_db()
    assert (gone.pdf.name, gone.pdf_fingerprint) == ("", "")


def test_a_publishers_logo_is_served_by_its_view_not_media(client: Client) -> None:
    from celedger.publishers.tests.factories import PublisherFactory

    publisher = PublisherFactory()
    publisher.logo.save("logo.png", ContentFile(b"\x89PNG fake"), save=True)
    response = client.get(f"/p/{publisher.code}/logo")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client.get(f"/media/{publisher.logo.name}").status_code == 404
    assert client.get("/p/no-such-publisher/logo").status_code == 404


def test_the_data_migration_moves_import_files_from_the_rollout_folder(tmp_path: Path) -> None:
    from django.core.files.storage import FileSystemStorage

    from celedger.publishers.tests.factories import PublisherFactory
    from celedger.rollout.models import ImportJob

    # The folder rollout kept its own imports in (migration 0001's storage until 0002).
    legacy = FileSystemStorage(location=tmp_path / "legacy")
    name = legacy.save("imports/abc.csv", ContentFile(b"first,last\n"))
    job = ImportJob.objects.create(
        publisher=PublisherFactory(), kind="historical", file_name="a.csv"
    )
    ImportJob.objects.filter(pk=job.pk).update(file=name)

    moved = move_public_files_to_private(
        ImportJob.objects.all(), field="file", prefix="imports", source=legacy
    )
    assert moved == 1
    job.refresh_from_db()
    assert not legacy.exists(name)
    assert job.file.name.startswith("imports/") and len(Path(job.file.name).stem) >= 32
    assert private_storage.open(job.file.name).read() == b"first,last\n"
