"""The outbox: mail is stored when asked for and sent by the worker (never inside the
request), as plain text plus HTML, retried, and a failure is visible to the lead; the
embedded default writes each message to the log and lists it for the site administrator."""

from __future__ import annotations

import logging

import pytest
from django.core import mail as django_mail
from django.test import Client

from accounts.models import Invitation, MailStatus, OutboundEmail
from accounts.services import mail
from tests.accounts.conftest import last_mail

pytestmark = pytest.mark.django_db


class Refusing:
    """A mail backend whose server answers with an error every time."""

    def __init__(self, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"No such mailbox")})


def test_inviting_queues_the_mail_and_sends_it_only_after_the_request(
    client, lead, review, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"/reviews/{review.slug}/team/invitations/",
                    {"email": "new@example.org", "role": "reviewer"})  # fmt: skip
    email = last_mail("new@example.org")
    assert email.status == MailStatus.QUEUED and not django_mail.outbox
    assert callbacks, "sent from the worker, queued on commit"
    for callback in callbacks:
        callback()  # the broker hands the message to the (eager) worker
    email.refresh_from_db()
    assert email.status == MailStatus.SENT and email.attempts == 1
    (sent,) = django_mail.outbox
    assert sent.to == ["new@example.org"] and "/accounts/invitations/" in sent.body
    html = dict((mimetype, content) for content, mimetype in sent.alternatives)["text/html"]
    assert "Accept the invitation" in html and review.title in html


def test_sending_twice_sends_once(lead, review):
    email = mail.mail_queue(to="a@example.org", subject="S", body_text="B", kind="account")
    assert mail.mail_send(email_id=email.pk, final_attempt=False) is not None
    assert mail.mail_send(email_id=email.pk, final_attempt=False) is None
    assert len(django_mail.outbox) == 1


def test_a_refused_message_is_retried_then_marked_failed_and_the_lead_sees_it(
    client, lead, review, monkeypatch, settings
):
    from accounts.tasks import mail_send_task

    settings.SIFT_MAIL_MAX_ATTEMPTS = 3
    monkeypatch.setattr(mail, "mailers", type("M", (), {"default": Refusing()})())
    client.force_login(lead)
    client.post(f"/reviews/{review.slug}/team/invitations/",
                {"email": "x@example.org", "role": "reviewer"})  # fmt: skip
    email = last_mail("x@example.org")
    mail_send_task.apply(args=[email.pk])  # eager: each retry runs at once
    email.refresh_from_db()
    assert email.status == MailStatus.FAILED and email.attempts == 3
    assert "No such mailbox" in email.error
    page = client.get(f"/reviews/{review.slug}/team/").content.decode()
    assert "Could not be sent" in page and "No such mailbox" in page
    # The lead resends: a new message, sent this time.
    monkeypatch.undo()
    invitation = Invitation.objects.get(email="x@example.org")
    client.post(f"/reviews/{review.slug}/team/invitations/{invitation.pk}/resend/")
    latest = last_mail("x@example.org")
    mail_send_task.apply(args=[latest.pk])
    latest.refresh_from_db()
    assert latest.status == MailStatus.SENT


def test_a_worker_starting_sends_what_waited_for_a_broker(
    lead, review, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    email = mail.mail_queue(to="w@example.org", subject="S", body_text="B", kind="account")
    OutboundEmail.objects.filter(pk=email.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert mail.mail_requeue_waiting() == 1
    email.refresh_from_db()
    assert email.status == MailStatus.SENT


def test_the_embedded_backend_writes_the_message_to_the_log(caplog, settings):
    from django.core.mail import EmailMessage

    from accounts.mail import LogBackend

    with caplog.at_level(logging.WARNING, logger="sift.mail"):
        LogBackend(alias="default").send_messages(
            [EmailMessage("Hello", "Open http://x.example/link/", "from@x", ["to@example.org"])]
        )
    assert "to@example.org" in caplog.text and "http://x.example/link/" in caplog.text


def test_the_outbox_page_lists_messages_with_their_links(client, admin_user, lead, review):
    client.force_login(lead)
    client.post(f"/reviews/{review.slug}/team/invitations/",
                {"email": "o@example.org", "role": "reviewer"})  # fmt: skip
    assert client.get("/site-admin/mail/").status_code == 403  # a lead is not a site admin
    client.force_login(admin_user)
    page = client.get("/site-admin/mail/").content.decode()
    assert "o@example.org" in page and "/accounts/invitations/" in page
    email = last_mail("o@example.org")
    detail = client.get(f"/site-admin/mail/{email.pk}/").content.decode()
    assert "/accounts/invitations/" in detail
    assert Client().get("/site-admin/mail/").status_code == 302
