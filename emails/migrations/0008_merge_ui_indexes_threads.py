from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("emails", "0006_threads"),
        ("emails", "0007_ui_indexes"),
    ]

    operations = []
