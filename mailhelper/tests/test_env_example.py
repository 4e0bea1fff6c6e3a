"""Every environment variable the settings read is documented in .env.example."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
READS = re.compile(r'(?:env(?:\.[a-z_]+)?\(|env_secret\(env, |environ\.get\()"([A-Z][A-Z0-9_]+)"')
DOCUMENTED = re.compile(r"^([A-Z][A-Z0-9_]+)=", re.MULTILINE)
TEST_ONLY = {"MAILHELPER_TEST_SETTINGS", "MAILHELPER_CORPUS", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_every_setting_read_from_the_environment_is_documented():
    """GIVEN the settings package WHEN listing the variables it reads THEN .env.example names each one."""
    read = set()
    for path in (REPO / "mailhelper" / "settings").glob("*.py"):
        read |= set(READS.findall(path.read_text()))
    documented = set(DOCUMENTED.findall((REPO / ".env.example").read_text()))
    assert read, "the pattern found no variables at all"
    assert sorted(read - documented - TEST_ONLY) == []
