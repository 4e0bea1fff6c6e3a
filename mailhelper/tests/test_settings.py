"""Production settings refuse unsafe values; ``check --deploy`` is clean with safe ones."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "9f3Jx-long-random-production-key-material-0123456789"
FERNET_KEY = "Jq5hMYhEEbA8a0oUMo4mf6lQAqE76jCbYQiABZw6qE0="


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "SECRET_KEY_FILE")}
    base.update({"DJANGO_SETTINGS_MODULE": "mailhelper.settings.production", "ENCRYPTION_KEYS": FERNET_KEY})
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=base, capture_output=True, text=True, timeout=60
    )


LOAD = "import django; django.setup(); print('loaded')"


def test_production_refuses_a_missing_secret_key():
    """GIVEN no SECRET_KEY WHEN production settings load THEN start-up fails and says what to set."""
    result = _run(LOAD)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_the_development_default_key():
    """GIVEN the dev default key WHEN production settings load THEN start-up fails."""
    result = _run(LOAD, SECRET_KEY="dev-only-insecure-key-never-use-in-production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_debug_on():
    """GIVEN DEBUG=true WHEN production settings load THEN start-up fails."""
    result = _run(LOAD, SECRET_KEY=GOOD_KEY, DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_production_refuses_missing_encryption_keys():
    """GIVEN no ENCRYPTION_KEYS WHEN production settings load THEN start-up fails."""
    result = _run(LOAD, SECRET_KEY=GOOD_KEY, ENCRYPTION_KEYS="")
    assert result.returncode != 0
    assert "ENCRYPTION_KEYS" in result.stderr


def test_production_loads_with_safe_values():
    """GIVEN a long key and DEBUG off WHEN production settings load THEN they load (positive control)."""
    result = _run(LOAD, SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr
    assert "loaded" in result.stdout


def test_secret_key_can_come_from_a_file(tmp_path):
    """GIVEN SECRET_KEY_FILE WHEN production settings load THEN the file's content is the key."""
    key_file = tmp_path / "secret"
    key_file.write_text(GOOD_KEY + "\n")
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    result = _run(code, SECRET_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(GOOD_KEY)


def test_check_deploy_is_clean_with_production_settings():
    """GIVEN production settings WHEN ``check --deploy`` runs THEN it reports no issue at all."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env={**_run_env(), "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "mail.example.org"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _run_env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update({"DJANGO_SETTINGS_MODULE": "mailhelper.settings.production", "ENCRYPTION_KEYS": FERNET_KEY})
    return env


@pytest.mark.parametrize("alias", ["default", "sessions"])
def test_each_redis_use_has_its_own_database_number(settings, alias):
    """GIVEN the settings WHEN comparing Redis database numbers THEN cache, sessions, broker, channels differ."""
    numbers = {
        settings.REDIS_DB_BROKER,
        settings.REDIS_DB_CACHE,
        settings.REDIS_DB_SESSIONS,
        settings.REDIS_DB_CHANNELS,
    }
    assert len(numbers) == 4
    assert settings.CACHES[alias]["LOCATION"].rsplit("/", 1)[1] in {str(n) for n in numbers}
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
