"""Matching a sender address against a user's VIP / trusted sender rules."""

from __future__ import annotations

from fnmatch import fnmatchcase

from emails.models import SenderRule


def sender_pattern_matches(*, pattern: str, address: str) -> bool:
    """``*@example.com``, ``boss@example.com``, ``@example.com`` or ``*.example.com`` style, case-insensitive.

    ``@example.com`` is shorthand for ``*@example.com``; ``*@*.example.com`` covers subdomains.
    """
    pattern = pattern.strip().lower()
    address = address.strip().lower()
    if not pattern or not address:
        return False
    if pattern.startswith("@"):
        pattern = "*" + pattern
    return fnmatchcase(address, pattern)


def sender_rule_match(*, owner_id: int, address: str) -> set[str]:
    """The kinds (``vip``, ``trusted``) of this user's rules that match ``address``."""
    if not address:
        return set()
    return {
        kind
        for pattern, kind in SenderRule.objects.filter(owner_id=owner_id).values_list("pattern", "kind")
        if sender_pattern_matches(pattern=pattern, address=address)
    }
