"""PostgreSQL extensions the app needs. Creating them needs a role allowed to (the owner or a superuser,
or an operator who ran ``CREATE EXTENSION vector`` beforehand)."""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []
    operations = [
        CreateExtension("vector"),
        CreateExtension("unaccent"),
    ]
