"""Every URL of the URL configuration x {anonymous, outsider, admin, reviewer, second
reviewer, lead} x method, the expected outcome written down once in `TABLE`.

The URLs are walked from `get_resolver()`, so a new URL without a row fails
`test_every_url_has_a_row`. Ids in a URL are filled from `build_world` (tests/security/
conftest.py). Each request runs in a savepoint that is rolled back, so one world serves
every row (a lead's POST that undoes an import cannot spoil the next row).

Outcomes by who may (`ROLE_OUTCOME`): anonymous -> the sign-in page; outsider (lead of
another review) and admin (a superuser who is not a member) -> 404 on a review's URLs;
reviewers -> 403 where only leads may; allowed -> 200 for GET, and for a POST with an
empty body anything but a refusal (200 with the form's errors, a redirect, 400).
Disallowed methods -> 405 for the lead. Review B's ids under review A's address -> 404.
Blinding (what a reviewer sees whatever a colleague's open vote) walks this table too:
test_blinding_differential.py.

The admin site (Django's own, staff only) is checked on its URLs without ids; its
per-object URLs are Django's own code and permission system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.conftest import TA

pytestmark = pytest.mark.django_db

PUBLIC, USER, MEMBER, LEAD, STAFF, ADMIN_SITE, SIGNED_OUT = (
    "public", "user", "member", "lead", "staff", "admin-site", "signed-out",
)  # fmt: skip
PERSONAS = ("anonymous", "outsider", "admin_user", "reviewer", "second_reviewer", "lead")
ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Id:
    """A URL kwarg filled with another of the world's ids (e.g. a conflict's record)."""

    key: str


# --- The table: url name -> {method: who may}; (who, status) when GET is not a 200 page ---
TABLE: dict[str, dict[str, object]] = {
    # RedirectView answers every method with the redirect
    "(root)": {m: (PUBLIC, 302) for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    # Accounts (allauth's pages and the accounts app). SIGNED_OUT: a page for people who
    # are signed out; someone signed in is sent on (302). "login" and "logout" are the old
    # names of allauth's sign-in and sign-out pages.
    # FormView: PUT posts; someone signed in is sent on before the method is looked at
    "login": {
        "GET": SIGNED_OUT,
        "POST": SIGNED_OUT,
        "PUT": SIGNED_OUT,
        "PATCH": (SIGNED_OUT, 405),
        "DELETE": (SIGNED_OUT, 405),
    },
    "logout": {"GET": USER, "POST": (USER, "login")},  # GET asks to confirm
    "account_login": {
        "GET": SIGNED_OUT,
        "POST": SIGNED_OUT,
        "PUT": SIGNED_OUT,
        "PATCH": (SIGNED_OUT, 405),
        "DELETE": (SIGNED_OUT, 405),
    },
    "account_logout": {"GET": USER, "POST": (USER, "login")},
    "account_inactive": {"GET": PUBLIC},
    # closed without an invitation: the "by invitation" page answers every method
    "account_signup": {m: SIGNED_OUT for m in ALL_METHODS},
    "account_reauthenticate": {"GET": USER, "POST": USER, "PUT": USER},
    # confirming who you are by a code mailed to your verified address (SSO-only people
    # have no password to give); sign-in by code is off: sent back (302)
    "account_request_reauthentication_code": {"GET": USER, "POST": USER, "PUT": USER},
    "account_confirm_reauthentication_code": {m: (USER, 302) for m in ALL_METHODS},
    "account_confirm_login_code": {m: (USER, 302) for m in ALL_METHODS},
    "account_email": {"GET": USER, "POST": USER, "PUT": USER},
    "account_email_verification_sent": {"GET": PUBLIC},
    "account_change_password": {"GET": USER, "POST": USER, "PUT": USER},
    # a password exists: sent to "change password" instead
    "account_set_password": {m: (USER, 302) for m in ALL_METHODS},
    "account_reset_password": {"GET": PUBLIC, "POST": PUBLIC, "PUT": PUBLIC},
    "account_reset_password_done": {"GET": PUBLIC},
    # a forged key: a page saying the link is not valid, whatever the method
    "account_reset_password_from_key": {m: PUBLIC for m in ALL_METHODS},  # noqa: E501
    "account_reset_password_from_key_done": {"GET": PUBLIC},
    "account_confirm_email": {"GET": PUBLIC, "POST": (PUBLIC, 404)},  # forged key
    # two-factor: nothing pending or nothing set up yet: sent on (302) or 404
    "mfa_index": {"GET": USER},
    "mfa_authenticate": {m: (USER, 302) for m in ALL_METHODS},
    "mfa_reauthenticate": {m: (USER, 302) for m in ALL_METHODS},
    "mfa_activate_totp": {m: (USER, 302) for m in ALL_METHODS},
    "mfa_deactivate_totp": {m: (USER, 404) for m in ALL_METHODS},
    "mfa_view_recovery_codes": {"GET": (USER, 404)},
    "mfa_generate_recovery_codes": {m: (USER, 302) for m in ALL_METHODS},
    "mfa_download_recovery_codes": {m: (USER, 404) for m in ALL_METHODS},
    # single sign-on: ORCID's and Google's own URLs exist only when configured (then
    # tested like the OpenID Connect ones, tests/integration/test_oidc_sign_in.py)
    "socialaccount_login_cancelled": {"GET": PUBLIC},
    "socialaccount_login_error": {"GET": (PUBLIC, 401)},
    "socialaccount_signup": {m: (PUBLIC, "login") for m in ALL_METHODS},
    "socialaccount_connections": {"GET": USER, "POST": USER, "PUT": USER},
    # allauth's old unnamed addresses, redirects to the named ones (the walker cannot
    # fill their path: "/" is asked, as for the root)
    **{
        f"(social/{p}/)": {m: (PUBLIC, 302) for m in ("GET", "POST", "PUT", "PATCH", "DELETE")}
        for p in ("login/cancelled", "login/error", "signup", "connections")
    },
    "openid_connect_login": {m: (PUBLIC, 404) for m in ALL_METHODS},
    "openid_connect_callback": {m: (PUBLIC, 404) for m in ALL_METHODS},
    "usersessions_list": {"GET": USER, "POST": USER, "PUT": USER},
    "accounts:invitation": {"GET": PUBLIC, "POST": USER},  # the token is the credential
    "accounts:settings": {"GET": USER, "POST": USER},
    "accounts:sign_out_everywhere": {"POST": (USER, "login")},
    "accounts:delete": {"GET": USER, "POST": USER},
    "accounts:invite": {"POST": LEAD},
    "accounts:invitation_resend": {"POST": LEAD},
    "accounts:invitation_revoke": {"POST": LEAD},
    "accounts:people": {"GET": STAFF},
    "accounts:person_active": {"POST": STAFF},
    "accounts:site_invite": {"POST": STAFF},
    "accounts:mail": {"GET": STAFF},
    "accounts:mail_detail": {"GET": STAFF},
    "accounts:mail_resend": {"POST": STAFF},
    # reviews
    "reviews:list": {"GET": USER},
    "reviews:create": {"GET": USER, "POST": USER},
    "reviews:detail": {"GET": MEMBER},
    "reviews:edit": {"GET": LEAD, "POST": LEAD},
    "reviews:team": {"GET": MEMBER, "POST": LEAD},
    "reviews:member_role": {"POST": LEAD},
    "reviews:member_remove": {"POST": LEAD},
    "reviews:sources": {"GET": MEMBER},
    "reviews:source_create": {"GET": LEAD, "POST": LEAD},
    "reviews:source_detail": {"GET": MEMBER},
    "reviews:source_edit": {"GET": LEAD, "POST": LEAD},
    "reviews:search_create": {"GET": LEAD, "POST": LEAD},
    "reviews:search_edit": {"GET": LEAD, "POST": LEAD},
    "reviews:import_upload": {"POST": LEAD},
    "reviews:batches": {"GET": MEMBER},
    "reviews:batch_detail": {"GET": MEMBER},
    "reviews:batch_confirm": {"POST": LEAD},
    "reviews:batch_cancel": {"POST": LEAD},
    "reviews:batch_remap": {"POST": LEAD},
    "reviews:batch_undo": {"POST": LEAD},
    "reviews:batch_requeue": {"POST": LEAD},
    "reviews:records": {"GET": MEMBER},
    "reviews:record_detail": {"GET": MEMBER},
    "reviews:record_edit": {"GET": LEAD, "POST": LEAD},
    "reviews:dedup": {"GET": MEMBER},
    "reviews:dedup_run": {"POST": LEAD},
    "reviews:dedup_queue": {"GET": LEAD},
    "reviews:dedup_report": {"GET": MEMBER},
    "reviews:dedup_sources": {"GET": MEMBER},
    "reviews:dedup_log": {"GET": MEMBER},
    "reviews:dedup_cluster": {"GET": MEMBER},
    "reviews:dedup_split": {"POST": LEAD},
    "reviews:dedup_primary": {"POST": LEAD},
    "reviews:dedup_compare": {"GET": LEAD},
    "reviews:dedup_decide": {"POST": LEAD},
    # screening, per stage
    "screening:overview": {"GET": MEMBER},
    "screening:screen": {"GET": MEMBER},
    "screening:progress": {"GET": MEMBER},
    "screening:decide": {"POST": MEMBER},
    "screening:undo": {"POST": MEMBER},
    "screening:mine": {"GET": MEMBER},
    "screening:conflicts": {"GET": LEAD},  # and the named resolver
    "screening:conflict": {"GET": LEAD, "POST": LEAD},
    "screening:reopen": {"POST": LEAD},
    # a reviewer reads a paper's notes once it is final for everyone (the conflict is);
    # leads and the stage's resolver write them; the author deletes theirs
    "screening:notes": {"GET": MEMBER, "POST": LEAD},
    "screening:note_delete": {"POST": LEAD},
    "screening:agreement": {"GET": LEAD},
    "screening:agreement_csv": {"GET": LEAD},
    "screening:settings": {"GET": LEAD, "POST": LEAD},
    "screening:ranking": {"GET": LEAD},
    "screening:ranking_curve": {"GET": LEAD},
    "screening:ranking_stop": {"POST": LEAD},
    "screening:ranking_stop_undo": {"POST": LEAD},
    # full texts
    "screening:reports": {"GET": MEMBER},
    "screening:bulk_upload": {"POST": LEAD},
    "screening:bulk": {"GET": LEAD},
    "screening:bulk_confirm": {"POST": LEAD},
    "screening:report_add": {"POST": LEAD},
    "screening:report": {"GET": MEMBER},
    "screening:report_pdf": {"GET": MEMBER},
    "screening:report_upload": {"POST": MEMBER},
    "screening:report_retrieval": {"POST": MEMBER},
    "screening:report_study": {"POST": LEAD},
    "screening:report_study_unlink": {"POST": LEAD},
    "screening:studies": {"GET": LEAD},  # a study tells that both reviewers included
    # reporting (counts come from every reviewer's votes: leads)
    "reporting:prisma": {"GET": LEAD},
    "reporting:prisma_download": {"GET": LEAD},
    "reporting:prisma_override": {"POST": LEAD},
    "reporting:prisma_note": {"POST": LEAD},
    "reporting:prisma_box": {"GET": LEAD},
    "reporting:prisma_s": {"GET": LEAD},
    "reporting:prisma_s_csv": {"GET": LEAD},
    "reporting:archive_export": {"GET": LEAD},
    "reporting:archive_import": {"GET": STAFF, "POST": STAFF},
    "reporting:exports": {"GET": MEMBER},
    "reporting:records_export": {"GET": MEMBER},  # others: their own votes only
    "reporting:screening_log": {"GET": LEAD},
    "reporting:audit_csv": {"GET": LEAD},  # every reviewer's votes
    # appraisal and extraction
    "appraisal:overview": {"GET": MEMBER},
    "appraisal:settings": {"GET": LEAD, "POST": LEAD},
    "appraisal:checklists": {"GET": MEMBER},
    "appraisal:checklist_create": {"POST": LEAD},
    "appraisal:checklist": {"GET": MEMBER, "POST": LEAD},
    "appraisal:study_design": {"POST": LEAD},
    "appraisal:study_weights": {"POST": LEAD},
    "appraisal:appraise": {"GET": MEMBER, "POST": MEMBER},
    "appraisal:consensus": {"GET": MEMBER, "POST": MEMBER},  # both reviewers submitted
    "appraisal:long_csv": {"GET": LEAD},  # every reviewer's own answers
    "appraisal:table": {"GET": MEMBER},
    "appraisal:table_download": {"GET": MEMBER},
    "appraisal:summary_csv": {"GET": MEMBER},
    "appraisal:wide_csv": {"GET": MEMBER},
    "appraisal:robvis_csv": {"GET": MEMBER},
    "appraisal:figure": {"GET": MEMBER},
    "appraisal:extraction": {"GET": MEMBER},
    "appraisal:extraction_form_create": {"POST": LEAD},
    "appraisal:extraction_form_preview": {"POST": LEAD},  # saves nothing
    "appraisal:extraction_form": {"GET": MEMBER, "POST": LEAD},
    "appraisal:characteristics": {"GET": MEMBER},
    "appraisal:results_csv": {"GET": MEMBER},
    "appraisal:outcomes_csv": {"GET": MEMBER},
    "appraisal:extraction_long_csv": {"GET": LEAD},
    "appraisal:extract": {"GET": MEMBER, "POST": MEMBER},
    "appraisal:extraction_consensus": {"GET": MEMBER, "POST": MEMBER},
}

# Kwargs that are not the world's ids, and rows whose ids are a particular object.
LITERALS = {
    "stage": TA,
    "fmt": "csv",
    "name": "summary",
    "key": "records_screened",
    "kind": "dichotomous",
}
ARGS: dict[str, dict[str, object]] = {
    "account_reset_password_from_key": {"uidb36": "zz", "key": "forged-key"},
    "account_confirm_email": {"key": "forged-key"},
    "openid_connect_login": {"provider_id": "not-configured"},
    "openid_connect_callback": {"provider_id": "not-configured"},
    "screening:ranking_curve": {"fmt": "svg"},
    "reporting:prisma_download": {"fmt": "json"},
    "appraisal:figure": {"fmt": "svg"},
    "screening:conflict": {"record_id": Id("conflict_record_id")},
    "screening:reopen": {"record_id": Id("conflict_record_id")},
    "screening:notes": {"record_id": Id("conflict_record_id")},
    "screening:note_delete": {"record_id": Id("conflict_record_id")},
    "screening:report_add": {"record_id": Id("other_method_record_id")},
    "appraisal:extract": {"version_id": Id("form_version_id")},
    "appraisal:extraction_consensus": {"version_id": Id("form_version_id")},
}
NOT_IDS = {"review", "uidb36", "provider_id", *LITERALS}


# --- Walking the URL configuration -------------------------------------------------------
@dataclass(frozen=True)
class Route:
    name: str
    kwargs: tuple[str, ...]


def routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns, namespace: str, kwargs: tuple[str, ...]):
        for p in patterns:
            here = kwargs + tuple(p.pattern.regex.groupindex)
            if isinstance(p, URLResolver):
                ns = p.namespace or ""
                walk(p.url_patterns, f"{namespace}{ns}:" if ns else namespace, here)
            elif isinstance(p, URLPattern):
                name = f"{namespace}{p.name or f'({p.pattern})'}" if namespace else p.name
                name = name or f"({str(p.pattern) or 'root'})"
                found.append(Route(name, here))

    walk(get_resolver().url_patterns, "", ())
    return found


def is_admin(name: str) -> bool:
    return name.startswith("admin:")


def app_routes() -> list[Route]:
    return [r for r in routes() if not is_admin(r.name)]


def url_of(route: Route, ids: dict, **override) -> str:
    kwargs = {}
    for key in route.kwargs:
        value = override.get(key, ARGS.get(route.name, {}).get(key, LITERALS.get(key, key)))
        if isinstance(value, Id):
            value = ids[value.key]
        elif value == key:
            value = ids[key]
        kwargs[key] = value
    if route.name.startswith("("):
        return "/"
    return reverse(route.name, kwargs=kwargs)


def call(client: Client, method: str, url: str):
    """One request in a savepoint that is rolled back: the world stays as built."""
    with transaction.atomic():
        try:
            response = getattr(client, method.lower())(url)
        except Exception as error:  # noqa: BLE001 - reported as a failure of the row
            response = error
        transaction.set_rollback(True)
    return response


def status_of(response) -> object:
    if isinstance(response, Exception):
        return f"raised {type(response).__name__}: {response}"
    if response.status_code == 302 and response.url.startswith(reverse("login")):
        return "login"
    if response.status_code == 302 and response.url.startswith(reverse("admin:login")):
        return "admin-login"
    return response.status_code


def expected(rule: object, persona: str, method: str) -> set:
    who, ok_status = rule if isinstance(rule, tuple) else (rule, None)
    ok = {ok_status} if ok_status else ({200} if method == "GET" else {200, 302, 400})
    if who == PUBLIC:
        return ok
    if who == SIGNED_OUT:
        return ok if persona == "anonymous" else {302}
    if persona == "anonymous":
        return {"admin-login"} if who == ADMIN_SITE else {"login"}
    if who == USER:
        return ok
    if who in (STAFF, ADMIN_SITE):
        if persona == "admin_user":
            return ok
        return {"admin-login"} if who == ADMIN_SITE else {403}
    if persona in ("outsider", "admin_user"):
        return {404}
    if who == LEAD and persona != "lead":
        return {403}
    return ok


# --- The tests ----------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """One persona walks every URL in a minute: allauth's per-user rate limits (password
    change 5/m...) would answer 429. They are tested on their own (test_login_lockout)."""
    settings.ACCOUNT_RATE_LIMITS = False


def test_every_url_has_a_row():
    names = {r.name for r in app_routes()}
    assert not names - set(TABLE), f"URLs without a row in TABLE: {sorted(names - set(TABLE))}"
    assert not set(TABLE) - names, f"rows for URLs that no longer exist: {set(TABLE) - names}"


def test_the_matrix_is_big_enough():
    cells = sum(len(row) for row in TABLE.values()) * len(PERSONAS)
    assert len(TABLE) >= 95 and cells >= 700, (len(TABLE), cells)


def _client_for(persona: str, request) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_each_persona_as_the_table_says(world, world_b, request, persona):
    client = _client_for(persona, request)
    failures = []
    for route in app_routes():
        for method, rule in TABLE[route.name].items():
            got = status_of(call(client, method, url_of(route, world.ids)))
            want = expected(rule, persona, method)
            if got not in want:
                failures.append(f"{method} {route.name}: got {got}, want {sorted(map(str, want))}")
            if (
                route.name
                in ("logout", "account_logout", "accounts:sign_out_everywhere", "accounts:delete")
                and persona != "anonymous"
            ):
                client.force_login(request.getfixturevalue(persona))
    assert not failures, f"{persona}:\n" + "\n".join(failures)


def test_methods_not_in_the_table_are_405(world, lead):
    client = Client()
    client.force_login(lead)
    failures = []
    for route in app_routes():
        for method in set(ALL_METHODS) - set(TABLE[route.name]):
            got = status_of(call(client, method, url_of(route, world.ids)))
            if got != 405:
                failures.append(f"{method} {route.name}: got {got}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_admin_site_is_for_staff_only(request, persona):
    client = _client_for(persona, request)
    failures = []
    for route in routes():
        if not is_admin(route.name) or route.kwargs or route.name in ("admin:login",):
            continue
        if route.name == "admin:logout":
            continue
        got = status_of(call(client, "GET", reverse(route.name)))
        # The admin is read-only for reviews (reviews/admin.py): adding is refused.
        refused = route.name == "admin:autocomplete" or (
            route.name.startswith("admin:reviews_") and route.name.endswith("_add")
        )
        want = ({403} if refused else {200}) if persona == "admin_user" else {"admin-login"}
        if got not in want:
            failures.append(f"GET {route.name}: got {got}")
    assert not failures, f"{persona}:\n" + "\n".join(failures)


def test_ids_of_another_review_are_404_under_this_review(world, world_b, lead):
    """A lead of review A trying every id of review B in every id-bearing URL of A."""
    client = Client()
    client.force_login(lead)
    failures, tried = [], 0
    for route in app_routes():
        if "review" not in route.kwargs:
            continue  # site-wide pages (an invitation's token, the site administrator's)
        ids = [k for k in route.kwargs if k not in NOT_IDS]
        for key in ids:
            arg = ARGS.get(route.name, {}).get(key, key)
            theirs = world_b.ids[arg.key if isinstance(arg, Id) else arg]
            url = url_of(route, world.ids, **{key: theirs})
            for method in TABLE[route.name]:
                tried += 1
                got = status_of(call(client, method, url))
                if got != 404:
                    failures.append(f"{method} {route.name} with B's {key}: got {got}")
    assert tried > 50
    assert not failures, "\n".join(failures)


# --- Blinding ------------------------------------------------------------------------------
_VOLATILE = [
    re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"'),
    re.compile(rb'"X-CSRFToken": "[^"]+"'),
    re.compile(rb"\d\d:\d\d(:\d\d)?"),  # clocks ("updated 15:02")
    re.compile(rb"\d{4}-\d\d-\d\dT[\d:.+Z-]+"),
]


def _body(response) -> bytes:
    if isinstance(response, Exception):
        return repr(response).encode()
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK" and "spreadsheet" in response.get("Content-Type", ""):
        from openpyxl import load_workbook

        sheets = load_workbook(BytesIO(content), read_only=True)
        content = repr([list(ws.iter_rows(values_only=True)) for ws in sheets]).encode()
    for pattern in _VOLATILE:
        content = pattern.sub(b"-", content)
    return content
