"""Celery tasks: take ids, call one service. Retries live here, business rules do not."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from accounts import notifications
from accounts.services import mail


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None,
             soft_time_limit=120, time_limit=180)  # fmt: skip
def mail_send_task(self, email_id: int) -> None:
    final = self.request.retries + 1 >= settings.SIFT_MAIL_MAX_ATTEMPTS
    try:
        mail.mail_send(email_id=email_id, final_attempt=final)
    except Exception as exc:
        if final:
            return  # marked failed, with the server's answer, for people to see
        # 30 s, 1 min, 2 min, 4 min, 8 min: a mail server restarting is waited out.
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def notify_task(kind: str, review_id: int, **facts) -> None:
    notifications.notify(kind=kind, review_id=review_id, **facts)


@worker_ready.connect
def requeue_waiting_mail(**_kwargs) -> None:
    mail.mail_requeue_waiting()
