"""Clean-up of untrusted text before it reaches SQL or a page."""

from __future__ import annotations

import re

# PostgreSQL refuses NUL in text parameters (a DataError, so a 500); the other C0 controls and DEL are never
# meant in a typed value and only make a query match nothing. Tab and newline stay: pasted text has them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def text_without_controls(value: str) -> str:
    return _CONTROL.sub("", value)
