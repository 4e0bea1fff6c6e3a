from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class MailhelperUserAdmin(UserAdmin):
    list_display = ("username", "email", "is_active", "is_staff", "last_login")
