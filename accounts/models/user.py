"""Users of one instance."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person with their own mailboxes; nothing of theirs is visible to anyone else."""

    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]  # django-stubs does not declare it
        swappable = "AUTH_USER_MODEL"
