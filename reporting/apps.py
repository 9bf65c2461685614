from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        # The flow from records to studies on a lead's review home (reviews.home).
        from reporting import home  # noqa: F401
