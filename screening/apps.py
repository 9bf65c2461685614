from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"

    def ready(self) -> None:
        # Registers the undo guard, the duplicate-cluster listener and the history of votes
        # (a record's page, the audit trail) with the reviews app.
        from screening import history, home, record_status, services  # noqa: F401
