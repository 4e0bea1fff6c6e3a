"""The test suite: real PostgreSQL and Redis (started by mailhelper.testing.servers), fast hashing."""

from mailhelper.settings.base import *  # noqa: F403
from mailhelper.settings.base import env

DEBUG = False
SECRET_KEY = "test-only-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"
ALLOW_PRIVATE_HOSTS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ENCRYPTION_KEYS = ["dGVzdC1lbmNyeXB0aW9uLWtleS0wMDAwMDAwMDAwMDA="]
WORKER_HEARTBEAT_INTERVAL = env.float("WORKER_HEARTBEAT_INTERVAL", default=0.5)
WORKER_HEARTBEAT_STALE_AFTER = env.float("WORKER_HEARTBEAT_STALE_AFTER", default=3.0)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from the source folders; no collectstatic in tests
