# Written by hand (the tree's other in-progress migrations stop makemigrations from loading)

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("emails", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=64, verbose_name="name")),
                (
                    "colour",
                    models.CharField(
                        default="#6b7280",
                        max_length=7,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^#[0-9a-fA-F]{6}$", "Use a colour like #3366cc."
                            )
                        ],
                        verbose_name="colour",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        models.F("owner"),
                        django.db.models.functions.text.Lower("name"),
                        name="tag_unique_name_per_owner",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("colour__regex", "^#[0-9a-fA-F]{6}$")), name="tag_colour_hex"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="MessageTag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "logical",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="message_tags",
                        to="emails.logicalmessage",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="message_tags",
                        to="tags.tag",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["owner", "tag", "logical"], name="message_tag_owner_tag"),
                    models.Index(fields=["owner", "logical"], name="message_tag_owner_logical"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("tag", "logical"), name="message_tag_unique")
                ],
            },
        ),
    ]
