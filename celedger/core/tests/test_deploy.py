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
