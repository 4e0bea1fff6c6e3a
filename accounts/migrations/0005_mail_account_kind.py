from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_mail_account_sync_requested"),
    ]

    operations = [
        migrations.AddField(
            model_name="mailaccount",
            name="kind",
            field=models.CharField(
                choices=[("imap", "IMAP server"), ("local", "Local (imported mail, no server)")],
                default="imap",
                editable=False,
                max_length=10,
                verbose_name="kind",
            ),
        ),
    ]
