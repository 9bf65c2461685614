from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "appraisal"
    verbose_name = "Appraisal and extraction"

    def ready(self) -> None:
        # Registers how appraisal's audit events read in a record's history and the trail.
        from appraisal import history  # noqa: F401
