"""A SAML 2.0 identity provider for tests: pysaml2's `Server` behind a small WSGI app in a
thread on a free loopback port, with its own self-signed key and certificate.

It reads CE Ledger's SP metadata from allauth's metadata URL (so that endpoint is exercised
too), answers an AuthnRequest (HTTP-Redirect binding) with a sign-in form for one of its
users, and posts a signed Response and Assertion to the SP's ACS (HTTP-POST binding), as a
hospital's ADFS, Okta or Entra ID would. Needs the `xmlsec1` program (Debian `xmlsec1`).
"""

import datetime
import html
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.saml import AUTHN_PASSWORD_PROTECTED, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256


@dataclass(frozen=True)
class SamlIdentityProvider:
    entity_id: str
    sso_url: str
    x509cert: str  # base64 body of the signing certificate, as allauth's settings take it


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _key_and_cert(directory: Path) -> tuple[Path, Path, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Health SAML test IdP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / "idp.key", directory / "idp.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    cert_file.write_text(pem)
    body = "".join(line for line in pem.splitlines() if "CERTIFICATE" not in line)
    return key_file, cert_file, body


def _page(body: str, status: str = "200 OK") -> tuple[str, list[tuple[str, str]], bytes]:
    document = (
        '<!doctype html><html lang="en"><head><title>Example Health SAML</title></head>'
        f"<body><main>{body}</main></body></html>"
    )
    return status, [("Content-Type", "text/html; charset=utf-8")], document.encode()


@contextmanager
def saml_identity_provider(
    *, sp_metadata_url: str, users: dict[str, dict[str, str]]
) -> Iterator[SamlIdentityProvider]:
    """Serve until the block ends. `users`: username -> attributes by their LDAP names (uid,
    mail, givenName, sn), which pysaml2 sends under their OID names (urn:oid:...)."""
    xmlsec = shutil.which("xmlsec1")
    if xmlsec is None:
        raise RuntimeError("the SAML test IdP needs xmlsec1 (Debian package xmlsec1)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    base = f"http://127.0.0.1:{port}"
    entity_id = f"{base}/metadata"
    with tempfile.TemporaryDirectory(prefix="celedger-saml-idp-") as tmp:
        key_file, cert_file, cert_body = _key_and_cert(Path(tmp))
        state: dict[str, Any] = {}

        def server() -> Server:
            # Built on first use: the SP metadata is served by the live server under test.
            if "server" not in state:
                metadata = requests.get(sp_metadata_url, timeout=10)
                metadata.raise_for_status()
                config = IdPConfig()
                config.load(
                    {
                        "entityid": entity_id,
                        "xmlsec_binary": xmlsec,
                        "key_file": str(key_file),
                        "cert_file": str(cert_file),
                        "metadata": {"inline": [metadata.text]},
                        "service": {
                            "idp": {
                                "endpoints": {
                                    "single_sign_on_service": [
                                        (f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)
                                    ]
                                },
                                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                                "sign_response": True,
                                "sign_assertion": True,
                                "policy": {"default": {"lifetime": {"minutes": 15}}},
                            }
                        },
                    }
                )
                state["server"] = Server(config=config)
            return state["server"]

        def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            path = environ["PATH_INFO"]
            if path == "/sso/redirect" and environ["REQUEST_METHOD"] == "GET":
                query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
                saml_request = html.escape(query["SAMLRequest"])
                relay_state = html.escape(query.get("RelayState", ""))
                # Refuses a malformed request before showing the form.
                server().parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
                status, headers, body = _page(
                    "<h1>Example Health SAML sign-in</h1>"
                    '<form method="post" action="/sso/login">'
                    f'<input type="hidden" name="SAMLRequest" value="{saml_request}">'
                    f'<input type="hidden" name="RelayState" value="{relay_state}">'
                    '<p><label for="username">Username</label> '
                    '<input id="username" name="username"></p>'
                    '<button type="submit">Continue to CE Ledger</button></form>'
                )
            elif path == "/sso/login" and environ["REQUEST_METHOD"] == "POST":
                size = int(environ.get("CONTENT_LENGTH") or 0)
                form = {
                    k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()
                }
                idp = server()
                request = idp.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT)
                person = users.get(form.get("username", ""))
                if person is None:
                    status, headers, body = _page("<h1>Unknown user</h1>", "403 Forbidden")
                else:
                    destination = idp.config.metadata.assertion_consumer_service(
                        request.message.issuer.text, binding=BINDING_HTTP_POST
                    )[0]["location"]
                    response = idp.create_authn_response(
                        identity={k: [v] for k, v in person.items()},
                        in_response_to=request.message.id,
                        destination=destination,
                        sp_entity_id=request.message.issuer.text,
                        name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=person["uid"]),
                        authn={"class_ref": AUTHN_PASSWORD_PROTECTED},
                        sign_response=True,
                        sign_assertion=True,
                        # python3-saml rejects SHA-1 signatures (rejectDeprecatedAlgorithm).
                        sign_alg=SIG_RSA_SHA256,
                        digest_alg=DIGEST_SHA256,
                    )
                    http_args = idp.apply_binding(
                        BINDING_HTTP_POST,
                        str(response),
                        destination,
                        form.get("RelayState", ""),
                        response=True,
                    )
                    status = "200 OK"
                    headers = [("Content-Type", "text/html; charset=utf-8")]
                    body = (
                        http_args["data"].encode()
                        if isinstance(http_args["data"], str)
                        else http_args["data"]
                    )
            else:
                status, headers, body = _page("<h1>Not found</h1>", "404 Not Found")
            start_response(status, headers)
            return [body]

        httpd = make_server(
            "127.0.0.1", port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield SamlIdentityProvider(
                entity_id=entity_id, sso_url=f"{base}/sso/redirect", x509cert=cert_body
            )
        finally:
            httpd.shutdown()
            httpd.server_close()
