"""Start the test OpenID Connect provider (celedger/testing/oidc_provider) in its own process.

A real OIDC implementation (django-oauth-toolkit) with its own users, database and signing
key, on a free loopback port, so CE Ledger's allauth talks to it exactly as to a health
system's identity provider: discovery, authorization code with PKCE, token, userinfo, JWKS.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class IdentityProvider:
    url: str  # the issuer, e.g. http://127.0.0.1:PORT/o
    client_id: str
    client_secret: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def oidc_provider(
    *, users: list[dict[str, str]], redirect_uris: list[str]
) -> Iterator[IdentityProvider]:
    """Run the provider until the block ends; `users` are create_user() keyword arguments."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    client_id, client_secret = secrets.token_urlsafe(12), secrets.token_urlsafe(24)
    client = {
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uris": redirect_uris,
    }
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="celedger-idp-") as tmp:
        env = {
            **os.environ,
            "OIDC_PROVIDER_DB": str(Path(tmp) / "idp.sqlite3"),
            "OIDC_PROVIDER_KEY": pem,
            "OIDC_PROVIDER_SETUP": json.dumps({"users": users, "client": client}),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "celedger.testing.oidc_provider", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"the test identity provider did not start: {line!r}")
            yield IdentityProvider(
                url=f"http://127.0.0.1:{port}/o",
                client_id=client_id,
                client_secret=client_secret,
            )
        finally:
            process.terminate()
            process.wait(timeout=10)
