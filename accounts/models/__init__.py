"""Models of the accounts app, one module per concern."""

from accounts.models.mail_account import MailAccount, Security
from accounts.models.user import User

__all__ = ["MailAccount", "Security", "User"]
