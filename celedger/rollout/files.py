"""Private storage for uploaded import files (they hold names, emails, license numbers).

Stand-in for `celedger.core.files.private_storage` (TEAM.md interface 3): a folder beside
MEDIA_ROOT, never under it, so `/media/` can never serve it; names are unguessable.
Switch `import_storage` to `private_storage` and `import_upload_to` to
`private_upload_to("imports")` when that lands.
"""

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateImportStorage(FileSystemStorage):
    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property  # type: ignore[override]
    def base_location(self) -> str:
        # Read each time: tests (and operators) change MEDIA_ROOT.
        return str(Path(settings.MEDIA_ROOT).resolve().parent / "private")

    @property  # type: ignore[override]
    def location(self) -> str:
        return self.base_location

    def url(self, name: str | None) -> str:
        raise ValueError(
            "Private files have no URL; serve them through a view that checks access."
        )


_storage = PrivateImportStorage()


def import_storage() -> PrivateImportStorage:
    """The storage for import files (a callable, so migrations do not freeze it)."""
    return _storage


def import_upload_to(instance: Any, filename: str) -> str:
    suffix = Path(filename).suffix.lower()[:6]
    return f"imports/{secrets.token_urlsafe(24)}{suffix}"
