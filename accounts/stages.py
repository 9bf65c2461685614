"""allauth's e-mail verification stage, for accounts that have e-mail addresses on record.

Accounts made by a site administrator (Django admin, `createsuperuser`, the demo) have no
allauth e-mail address rows: the administrator vouched for them, and they sign in as
before. Anyone who signed up (or added an address) has rows, and must verify."""

from __future__ import annotations

from allauth.account import stages
from allauth.account.models import EmailAddress


class EmailVerificationStage(stages.EmailVerificationStage):
    def handle(self):
        user = self.login.user
        if user is not None and not EmailAddress.objects.filter(user_id=user.pk).exists():
            return None, True
        return super().handle()
