"""Marks for views that VerifiedSessionRequiredMiddleware lets through without a verified session."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from accounts.middleware import PUBLIC_ATTRIBUTE, UNVERIFIED_ATTRIBUTE

View = TypeVar("View", bound=Callable[..., object])


def public(view: View) -> View:
    """Reachable by anyone (login, setup, invite acceptance, password reset)."""
    setattr(view, PUBLIC_ATTRIBUTE, True)
    return view


def password_only(view: View) -> View:
    """Reachable with a logged-in session that has not passed the second factor yet (2FA pages, logout)."""
    setattr(view, UNVERIFIED_ATTRIBUTE, True)
    return view
