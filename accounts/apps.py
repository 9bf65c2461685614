from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts, invitations and mail"

    def ready(self) -> None:
        from accounts import notifications, receivers  # noqa: F401  (connect the receivers)
