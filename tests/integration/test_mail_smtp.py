"""Password reset through a real SMTP server process: the web asks, a real Celery worker
(on Redis) sends through SMTP to aiosmtpd (started by .ci/run, or here when run by hand),
the test reads the message from the server's mailbox, follows its link, sets a new
password and signs in with it.

Runs in CI against PostgreSQL and Redis (DATABASE_URL and REDIS_URL set by .ci/run)."""

from __future__ import annotations

import mailbox
import os
import re
import socket
import subprocess
import sys
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import MailStatus, OutboundEmail
from config.celery import app as celery_app
from tests.conftest import PASSWORD
from tests.integration.test_celery_worker import ROOT, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
        reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_server(tmp_path_factory):
    """(host, port, maildir): the one .ci/run started (SIFT_TEST_SMTP, SIFT_TEST_MAILDIR),
    or a process of our own."""
    if os.environ.get("SIFT_TEST_SMTP") and os.environ.get("SIFT_TEST_MAILDIR"):
        host, port = os.environ["SIFT_TEST_SMTP"].rsplit(":", 1)
        yield host, int(port), Path(os.environ["SIFT_TEST_MAILDIR"])
        return
    maildir, port = tmp_path_factory.mktemp("smtp") / "Maildir", _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Mailbox", str(maildir)],
    )  # fmt: skip
    assert wait_for(lambda: _listening(port), timeout=20), "aiosmtpd did not start"
    yield "127.0.0.1", port, maildir
    process.terminate()
    process.wait(timeout=10)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def smtp_worker(settings, tmp_path, smtp_server):
    """A worker process on the test database that sends mail through the SMTP server."""
    host, port, _ = smtp_server
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ, "DATABASE_URL": url, "SIFT_TASKS_EAGER": "0", "SECRET_KEY": "integration",
        "EMAIL_HOST": host, "EMAIL_PORT": str(port), "EMAIL_USE_TLS": "0",
        "DEFAULT_FROM_EMAIL": "Sift <sift@example.org>",
    }  # fmt: skip
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield process
    process.terminate()
    process.wait(timeout=20)
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def _messages_to(maildir: Path, to: str) -> list:
    if not maildir.exists():
        return []
    box = mailbox.Maildir(maildir, factory=None, create=False)
    found = []
    for key in box.iterkeys():
        message = BytesParser(policy=policy.default).parsebytes(box.get_bytes(key))
        if to in (message["To"] or ""):
            found.append(message)
    return found


@pytest.mark.django_db(transaction=True)
def test_password_reset_through_a_real_smtp_server(
    client, lead, smtp_server, smtp_worker, tmp_path, settings
):
    _, _, maildir = smtp_server
    lead.email = f"lead-{time.time_ns()}@example.org"  # unique in a mailbox kept by .ci/run
    lead.save()
    response = client.post("/accounts/password/reset/", {"email": lead.email})
    assert response.status_code == 302
    email = OutboundEmail.objects.get(to=lead.email)
    log = tmp_path / "worker.log"
    assert wait_for(lambda: _messages_to(maildir, lead.email), timeout=60), (
        f"no mail arrived; row {OutboundEmail.objects.get(pk=email.pk).__dict__}; "
        f"worker log:\n{log.read_text()[-3000:]}"
    )
    email.refresh_from_db()
    assert email.status == MailStatus.SENT and email.attempts == 1
    (message,) = _messages_to(maildir, lead.email)
    assert "Password Reset" in message["Subject"] or "password" in message["Subject"].lower()
    assert message["From"] == "Sift <sift@example.org>"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert message.get_body(preferencelist=("html",)) is not None, "plain text plus HTML"
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", text).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)
    form = client.get(path, follow=True)
    assert form.status_code == 200 and b"password1" in form.content
    target = form.redirect_chain[-1][0] if form.redirect_chain else path
    done = client.post(
        target, {"password1": "reset by real mail 2024", "password2": "reset by real mail 2024"}
    )
    assert done.status_code == 302
    client.logout()
    assert (
        client.post("/accounts/login/", {"login": "lead", "password": PASSWORD}).status_code == 200
    )
    signed = client.post(
        "/accounts/login/", {"login": "lead", "password": "reset by real mail 2024"}
    )
    assert signed.status_code == 302 and client.session["_auth_user_id"] == str(lead.pk)
