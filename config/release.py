"""Which release of CE Ledger this process runs, for the shared cache's key prefix.

The cache holds what one release's code made: pickled model objects, rendered HTML of
the layout, the program and claim pages, the evaluation questions. After an upgrade
(new templates, a model with a new field) the next release must not read them: entries
keyed by content or by a version the data moves (`core/cache.py`) would otherwise be
served for up to their lifetime. Every key carries the release, so an upgrade starts on
an empty cache: sessions are then read from the database (`cached_db`), rate-limit
counters start again.

`CELEDGER_RELEASE` names it (a tag or commit, set by the deploy); without it, a digest of
the code, the templates and the locked requirements, so two app servers running the same
files agree and a changed file is a new release.
"""

import hashlib
import os
from pathlib import Path

_SUFFIXES = {".py", ".html", ".txt", ".lock"}


def release_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for folder in ("celedger", "templates", "config"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in _SUFFIXES and path.is_file() and "tests" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    lock = root / "requirements.lock"
    if lock.is_file():
        digest.update(lock.read_bytes())
    return digest.hexdigest()[:12]


def release(root: Path) -> str:
    return os.environ.get("CELEDGER_RELEASE") or release_digest(root)
