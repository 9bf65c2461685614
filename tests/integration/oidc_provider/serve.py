"""Start the stand-in provider: a fresh database, one person, one client (Sift), then
serve on 127.0.0.1:OIDC_PORT until stopped.

Environment: OIDC_DB, OIDC_PORT, OIDC_REDIRECT_URI, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
OIDC_USER, OIDC_PASSWORD, OIDC_EMAIL."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.integration.oidc_provider.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

call_command("migrate", verbosity=0)
person = get_user_model().objects.create_user(
    os.environ["OIDC_USER"], os.environ["OIDC_EMAIL"], os.environ["OIDC_PASSWORD"],
    first_name="Uma", last_name="University",
)  # fmt: skip
Application.objects.create(
    name="Sift",
    user=person,
    client_id=os.environ["OIDC_CLIENT_ID"],
    client_secret=os.environ["OIDC_CLIENT_SECRET"],
    client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=os.environ["OIDC_REDIRECT_URI"],
    algorithm=Application.RS256_ALGORITHM,
    skip_authorization=True,
)
call_command("runserver", f"127.0.0.1:{os.environ['OIDC_PORT']}", use_reloader=False)
