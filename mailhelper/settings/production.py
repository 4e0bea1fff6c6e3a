"""Production: refuses to start with unsafe values; HTTPS everywhere behind the TLS proxy."""

from django.core.exceptions import ImproperlyConfigured

from mailhelper.settings.base import *  # noqa: F403
from mailhelper.settings.base import env

_UNSAFE_KEYS = {"", "change-me", "changeme", "secret", "dev-only-insecure-key-never-use-in-production"}

if DEBUG:  # noqa: F405
    raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG or set DEBUG=false)")
if SECRET_KEY in _UNSAFE_KEYS or len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):  # noqa: F405
    raise ImproperlyConfigured(
        "SECRET_KEY is missing, a default or shorter than 50 characters: set SECRET_KEY or SECRET_KEY_FILE "
        "to a long random value (python -c 'import secrets; print(secrets.token_urlsafe(64))')"
    )
if not ENCRYPTION_KEYS:  # noqa: F405
    raise ImproperlyConfigured(
        "ENCRYPTION_KEYS is empty: mail passwords and API keys are encrypted at rest; generate a key with "
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    )

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = False
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
# HSTS preload is a one-way commitment for a whole domain; operators opt in with SECURE_HSTS_PRELOAD.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
