"""The embedded default mail backend: every message goes to the log (the terminal of
`make run`), and the outbox page (/site-admin/mail/) lists it with its links."""

from __future__ import annotations

import logging

from django.core.mail.backends.base import BaseEmailBackend

log = logging.getLogger("sift.mail")


class LogBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            log.warning(
                "Mail (not delivered: no EMAIL_HOST configured) to %s\nSubject: %s\n\n%s",
                ", ".join(message.to), message.subject, message.body,
            )  # fmt: skip
        return len(email_messages)
