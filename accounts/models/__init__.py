"""Models of the accounts app, one module per concern."""

from accounts.models.user import User

__all__ = ["User"]
