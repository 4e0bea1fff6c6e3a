from django.apps import AppConfig


class EmailsConfig(AppConfig):
    name = "emails"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from emails import signals  # noqa: F401 - connects the receivers
