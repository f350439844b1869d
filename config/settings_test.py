"""Test settings: the real settings with fast hashing, in-memory email and immediate tasks."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")

from config.settings import *  # noqa: F403
from config.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Outbox messages are delivered in-process once the writer's transaction commits.
OUTBOX_DELIVER_ON_COMMIT = True
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="celedger-test-media-"))
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="celedger-test-private-"))
# Each test process's own folders go when it exits (a CI machine runs the suite twice a push).
for _folder in (MEDIA_ROOT, PRIVATE_MEDIA_ROOT):
    atexit.register(shutil.rmtree, _folder, ignore_errors=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "celedger.core.files.PrivateFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
# Tests probe rate limits explicitly; the defaults stay as in production.
# Query counts are asserted exactly: sessions always come from the database in tests, with
# or without REDIS_URL (production reads them from Redis when it is set; Django's own engine).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
