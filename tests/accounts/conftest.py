from __future__ import annotations

import re

import pytest

from accounts.models import OutboundEmail

LINK = re.compile(r"https?://[^\s<>\"')]+")


def last_mail(to: str) -> OutboundEmail:
    return OutboundEmail.objects.filter(to__iexact=to).order_by("-pk").first()


def link_in(email: OutboundEmail, contains: str = "") -> str:
    """The path of the first link in the message (the test client speaks paths)."""
    links = [u for u in LINK.findall(email.body_text) if contains in u]
    assert links, email.body_text
    return re.sub(r"^https?://[^/]+", "", links[0])


@pytest.fixture
def invite(client, lead, review):
    """The lead invites `email` as `role`; returns the path of the link in the mail."""

    def send(email: str, role: str = "reviewer") -> str:
        client.force_login(lead)
        response = client.post(
            f"/reviews/{review.slug}/team/invitations/", {"email": email, "role": role}
        )
        assert response.status_code == 302
        client.logout()
        return link_in(last_mail(email), "/invitations/")

    return send
