"""Private files on S3-compatible storage (django-storages), against a real S3 API server:
moto's server mode, started as a process on 127.0.0.1:8102."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("storages")
boto3 = pytest.importorskip("boto3")

PORT = 8102
ENDPOINT = f"http://127.0.0.1:{PORT}"
BUCKET = "celedger-private"
pytestmark = [pytest.mark.django_db, pytest.mark.fault]


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    # The venv's own script (a pyenv shim of the same name may come first on PATH).
    server = str(Path(sys.executable).parent / "moto_server")
    if not Path(server).exists():
        pytest.skip("moto[server] is not installed")
    log = open(Path(tempfile.gettempdir()) / "celedger-moto.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(PORT)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if not k.startswith("DJANGO")},
    )
    try:
        deadline = time.monotonic() + 120  # a slow start on 2 busy cores
        while True:
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield ENDPOINT
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _client() -> Any:
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )


@pytest.fixture
def s3_private(s3_server: str, settings: Any) -> Any:
    client = _client()
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": ENDPOINT,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "default_acl": "private",
                "file_overwrite": False,
                "querystring_auth": True,
                "querystring_expire": 60,
            },
        },
    }
    return client


def test_certificates_live_privately_in_the_bucket_and_download_after_a_check(
    s3_private: Any, client: Any, settings: Any
) -> None:
    from celedger.certificates.models import Certificate
    from celedger.core.tests.test_files import issued_certificate

    certificate = issued_certificate()
    keys = [o["Key"] for o in s3_private.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [certificate.pdf.name] and certificate.number not in keys[0]
    # The object itself is not public: an unsigned GET is refused by the S3 server.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{ENDPOINT}/{BUCKET}/{keys[0]}")
    assert refused.value.code == 403

    from celedger.core.files import private_file_response

    stored = Certificate.objects.get(pk=certificate.pk)
    streamed = private_file_response(
        stored.pdf, filename="certificate.pdf", content_type="application/pdf"
    )
    assert b"".join(streamed.streaming_content).startswith(b"%PDF")

    settings.PRIVATE_FILES_SERVE = "redirect"
    redirect = private_file_response(
        stored.pdf, filename="certificate.pdf", content_type="application/pdf"
    )
    assert redirect.status_code == 302 and "Signature=" in redirect["Location"]
    with urllib.request.urlopen(redirect["Location"]) as signed:
        assert signed.read().startswith(b"%PDF")
