import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deploy_checklist_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
        ALLOWED_HOSTS="ce.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_in_production():
    result = _manage("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_transaction_pooling_turns_server_side_cursors_off():
    """PgBouncer in transaction mode cannot keep a named cursor across transactions."""
    show = (
        "from django.db import connection as c; "
        "print(c.settings_dict['DISABLE_SERVER_SIDE_CURSORS'])"
    )
    url = "postgres://postgres@127.0.0.1:5432/celedger"
    pooled = _manage(
        "shell", "-v", "0", "-c", show, DATABASE_URL=url, DATABASE_TRANSACTION_POOLING="true"
    )
    direct = _manage("shell", "-v", "0", "-c", show, DATABASE_URL=url)
    assert pooled.stdout.strip() == "True", pooled.stderr
    assert direct.stdout.strip() == "False", direct.stderr


def test_every_cache_key_carries_the_release(tmp_path: Path) -> None:
    """An upgrade reads nothing an older release cached (pickled objects, rendered HTML):
    the key prefix is the release, named by the deploy or a digest of the files."""
    from config.release import release_digest

    show = "from django.conf import settings as s; print(s.CACHES['default']['KEY_PREFIX'])"
    redis = {"DEBUG": "true", "REDIS_URL": "redis://127.0.0.1:6379/15"}
    named = _manage("shell", "-v", "0", "-c", show, CELEDGER_RELEASE="v2.3.0", **redis)
    assert named.stdout.strip() == "celedger-v2.3.0", named.stderr
    digested = _manage("shell", "-v", "0", "-c", show, **redis)
    assert digested.stdout.strip() == f"celedger-{release_digest(ROOT)}", digested.stderr

    for folder in ("celedger", "templates", "config"):
        (tmp_path / folder).mkdir()
    page = tmp_path / "templates" / "base.html"
    page.write_text("<p>one</p>")
    (tmp_path / "celedger" / "models.py").write_text("x = 1\n")
    first = release_digest(tmp_path)
    assert release_digest(tmp_path) == first
    page.write_text("<p>two</p>")
    assert release_digest(tmp_path) != first
