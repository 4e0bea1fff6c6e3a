"""Forms of the login, 2FA, setup and invite pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OtpTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )


class EnrolForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code shown by your app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class NewUserForm(forms.Form):
    """User name, e-mail and a password checked by every configured validator (at least 12 characters)."""

    username = forms.CharField(
        label=_("User name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        username = User.normalize_username(self.cleaned_data["username"])
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                validate_password(
                    first, user=User(username=data.get("username", ""), email=data.get("email", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class SetupForm(NewUserForm):
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address (optional)"), required=False)
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)


class PasswordResetInUserLanguageForm(PasswordResetForm):
    """The reset mail speaks the language saved in the user's profile: the request may come from a browser
    (or a person) set to another language."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        language = getattr(context.get("user"), "language", "") or translation.get_language()
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name=html_email_template_name,
            )
