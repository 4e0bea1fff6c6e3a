# Written by hand (the tree's other in-progress migrations stop makemigrations from loading)

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("emails", "0003_message_embedding"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RemoteImageAllowance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "sender_address",
                    models.CharField(blank=True, max_length=500, verbose_name="sender address"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "logical",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
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
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("logical__isnull", True), models.Q(("sender_address", ""), _negated=True)
                            ),
                            models.Q(("logical__isnull", False), ("sender_address", "")),
                            _connector="OR",
                        ),
                        name="remote_image_allowance_one_target",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("logical__isnull", True)),
                        fields=("owner", "sender_address"),
                        name="remote_image_allowance_unique_sender",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("logical__isnull", False)),
                        fields=("owner", "logical"),
                        name="remote_image_allowance_unique_message",
                    ),
                ],
            },
        ),
    ]
