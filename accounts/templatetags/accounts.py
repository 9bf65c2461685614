"""The team page's invitations section (a lead's), rendered by the accounts app so the
reviews app's team view needs no change."""

from django import template

from accounts.forms import InviteForm
from accounts.selectors import invitations_pending, invitations_recent, mail_failed_for_review

register = template.Library()


@register.inclusion_tag("accounts/team_invitations.html", takes_context=True)
def team_invitations(context, review):
    return {
        "review": review,
        "pending": list(invitations_pending(review)),
        "recent": list(invitations_recent(review)),
        "failed_mail": list(mail_failed_for_review(review)),
        "form": InviteForm(),
        "csrf_token": context.get("csrf_token"),
    }
