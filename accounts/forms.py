"""Input shapes. A form validates; it never saves (views call services)."""

from __future__ import annotations

from django import forms

from accounts.models import OPTIONAL_KINDS, MailKind
from reviews.models import Role


class SignupExtraForm(forms.Form):
    """What allauth's sign-up form asks besides e-mail and password."""

    display_name = forms.CharField(
        max_length=150, label="Your name", help_text="As your team will see it"
    )

    def signup(self, request, user) -> None:  # allauth's hook; the adapter saved the name
        pass


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REVIEWER)


class SiteInviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address")


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=150, label="Display name")
    mail = forms.MultipleChoiceField(
        choices=[(k.value, k.label) for k in OPTIONAL_KINDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Send me mail when",
    )

    @property
    def mail_off(self) -> list[str]:
        on = set(self.cleaned_data["mail"])
        return [k.value for k in OPTIONAL_KINDS if k.value not in on]


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(label="Type DELETE to confirm")

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip() != "DELETE":
            raise forms.ValidationError("Type DELETE in capitals to delete your account.")
        return "DELETE"


__all__ = ["DeleteAccountForm", "InviteForm", "MailKind", "ProfileForm", "SiteInviteForm"]
