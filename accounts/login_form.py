"""allauth's sign-in form as Sift shows it (a module of its own: allauth's forms module
imports accounts.forms for the sign-up form, so this one cannot live there)."""

from allauth.account.forms import LoginForm as AllauthLoginForm


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form; the name field keeps the id it had before allauth
    (`id_username`), which the browser tests and password managers know."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].widget.attrs["id"] = "id_username"
        self.fields["login"].label = "Username or e-mail"
        self.fields["password"].help_text = ""  # the page links "Forgotten your password?"
