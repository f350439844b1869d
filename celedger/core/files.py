"""Private files: certificates, exports and uploads with personal data.

They live in `STORAGES["private"]` (a directory outside any served path by default, or an
S3-compatible bucket through django-storages), under names no one can guess, and reach a
browser only through a view that has already checked access and then calls
`private_file_response`. With `PRIVATE_FILES_SERVE` set, the view hands the transfer to the
proxy (`X-Accel-Redirect` for nginx, `X-Sendfile` for Apache/lighttpd) instead of streaming
it from Python; the access check stays in Django either way.
"""

import datetime
import posixpath
import secrets
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.db.models.fields.files import FieldFile
from django.dispatch import receiver
from django.http import FileResponse, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.utils.deconstruct import deconstructible
from django.utils.encoding import iri_to_uri
from django.utils.functional import LazyObject, empty


class PrivateFileSystemStorage(FileSystemStorage):
    """The default private storage: a folder no web server serves. It builds no URLs, so
    no template or redirect can point a browser at a private file by mistake."""

    def url(self, name: str | None) -> str:
        raise ValueError(
            "Private files have no URL; serve them through a view that checks access."
        )


class _PrivateStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = storages["private"]


# Resolved on first use, and again after STORAGES changes (tests, override_settings).
private_storage: Storage = _PrivateStorage()  # type: ignore[assignment]


@receiver(setting_changed)
def _reset_private_storage(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        private_storage._wrapped = empty  # type: ignore[attr-defined]


def private_storage_get() -> Storage:
    """The private storage, for FileField(storage=...): a callable keeps the path out of
    migrations, and the lazy object it returns follows settings changes."""
    return private_storage


@deconstructible
class private_upload_to:
    """`upload_to` giving `<prefix>/<yyyy>/<mm>/<32 random url-safe chars><ext>`.

    The name carries nothing about the learner, activity or number, so knowing one file's
    name tells nothing about another's.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.strip("/")

    def __call__(self, instance: Any, filename: str) -> str:
        ext = posixpath.splitext(filename)[1].lower()[:10]
        today = datetime.date.today()
        return f"{self.prefix}/{today:%Y/%m}/{secrets.token_urlsafe(24)}{ext}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, private_upload_to) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)


def _disposition(filename: str) -> str:
    from django.utils.http import content_disposition_header

    return content_disposition_header(True, filename) or "attachment"


def private_file_response(
    fieldfile: FieldFile, *, filename: str, content_type: str
) -> HttpResponseBase:
    """Send a private file to a user the view has ALREADY authorized.

    PRIVATE_FILES_SERVE: "" (stream it from Django, the default), "x-accel-redirect"
    (nginx serves `PRIVATE_FILES_ACCEL_PREFIX + name` from an `internal` location),
    "x-sendfile" (the server sends the file at its local path), or "redirect" (object
    storage: a short-lived signed URL from the storage's `url()`).
    """
    mode = getattr(settings, "PRIVATE_FILES_SERVE", "")
    name = fieldfile.name or ""
    response: HttpResponseBase
    if mode == "x-accel-redirect":
        prefix = getattr(settings, "PRIVATE_FILES_ACCEL_PREFIX", "/private-files/")
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = iri_to_uri(prefix.rstrip("/") + "/" + name)
        response["Content-Disposition"] = _disposition(filename)
    elif mode == "x-sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = fieldfile.storage.path(name)
        response["Content-Disposition"] = _disposition(filename)
    elif mode == "redirect":
        response = HttpResponseRedirect(fieldfile.storage.url(name))
    else:
        response = FileResponse(
            fieldfile.open("rb"), as_attachment=True, filename=filename, content_type=content_type
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def move_public_files_to_private(
    queryset: Any,
    *,
    field: str,
    prefix: str,
    extra_clear: dict[str, Any] | None = None,
    source: Storage | None = None,
) -> int:
    """Data migrations: move files a field stored in `source` (the public `default` storage
    unless given) into the private storage under an unguessable name; returns how many.

    A file already gone from disk leaves the field empty (plus `extra_clear`, e.g. a
    certificate's fingerprint so the PDF is rendered again on the next download).
    """
    from django.core.files.storage import default_storage

    if source is None:
        source = default_storage
    moved = 0
    target = private_storage_get()
    upload_to = private_upload_to(prefix)
    for row in queryset.exclude(**{field: ""}).iterator():
        old_name = getattr(row, field).name
        updates: dict[str, Any]
        if source.exists(old_name):
            with source.open(old_name, "rb") as handle:
                new_name = target.save(upload_to(row, old_name), handle)
            updates = {field: new_name}
            moved += 1
        else:
            updates = {field: "", **(extra_clear or {})}
        type(row).objects.filter(pk=row.pk).update(**updates)
        if updates.get(field):
            source.delete(old_name)
    return moved
