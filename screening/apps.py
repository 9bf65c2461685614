from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"

    def ready(self) -> None:
        # Registers the undo guard and the duplicate-cluster listener with the reviews app.
        from screening import services  # noqa: F401
