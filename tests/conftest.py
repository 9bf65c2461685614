"""The cast: lead, reviewer, second_reviewer, outsider (lead of another review), admin."""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviews import services
from reviews.models import Role, SourceType
from tests import hypothesis_budget  # noqa: F401  (loads the Hypothesis profile)

FIXTURES = Path(__file__).parent / "fixtures"

PASSWORD = "correct horse battery staple"

RIS_TWO = (
    "TY  - JOUR\nAU  - Smith, Katherine E.\nTI  - Partnerships and health inequalities in England\n"
    "AB  - We studied Health Action Zones.\nPY  - 2004\nDO  - 10.1000/abc.1\nER  - \n\n"
    "TY  - JOUR\nAU  - Jones, A.\nTI  - Local Strategic Partnerships and smoking cessation\n"
    "PY  - 2006\nER  - \n"
)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RANKING_CACHE_DIR = tmp_path / "ranking"
    # Real hashing costs ~0.3 s per user; the tests are not about password strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A cache of its own per test: sign-in rate-limit counts (allauth's, in the cache)
    # never leak from one test into the next, and never touch CI's Redis.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": f"test-{tmp_path.name}"}
    }  # fmt: skip


class Hung(BaseException):
    """Work a hostile input must not be able to stretch ran past the watchdog (not an
    Exception, so no `except Exception` on the way swallows it)."""


@pytest.fixture
def watchdog():
    """`with watchdog(seconds):` turns a hang (a backtracking regex, an unbounded parse)
    into a failure. Not a timing assertion: the limit is orders of magnitude above the
    bounded cost, and the test asserts on the result."""

    @contextlib.contextmanager
    def guard(seconds: float):
        def bark(signum, frame):
            raise Hung(f"still running after {seconds} s")

        previous = signal.signal(signal.SIGALRM, bark)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    return guard


def make_user(django_user_model, username: str, **extra):
    return django_user_model.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org", **extra
    )


@pytest.fixture
def lead(django_user_model):
    return make_user(django_user_model, "lead")


@pytest.fixture
def reviewer(django_user_model):
    return make_user(django_user_model, "reviewer")


@pytest.fixture
def second_reviewer(django_user_model):
    return make_user(django_user_model, "second_reviewer")


@pytest.fixture
def outsider(django_user_model):
    return make_user(django_user_model, "outsider")


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(
        username="admin", password=PASSWORD, email="admin@example.org"
    )


@pytest.fixture
def review(lead, reviewer, second_reviewer):
    from reviews.services.reviews import CriterionItem

    r = services.review_create(
        user=lead,
        title="Partnerships and public health",
        question="Do partnerships improve public health?",
        inclusion=[CriterionItem("I1", "Public health partnership")],
        exclusion=[CriterionItem("E1", "Outside England"), CriterionItem("E3", "Clinical only")],
    )
    services.member_add(review=r, username="reviewer", role=Role.REVIEWER)
    services.member_add(review=r, username="second_reviewer", role=Role.REVIEWER)
    return r


@pytest.fixture
def other_review(outsider):
    return services.review_create(user=outsider, title="Another team's review")


@pytest.fixture
def source(review):
    s = services.source_create(review=review, name="Medline", source_type=SourceType.DATABASE)
    services.search_create(source=s, label="Main search", strategy="1. partnership*.ti,ab.")
    return s


def ris_upload(text: str = RIS_TWO, name: str = "results.ris") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/octet-stream")


@pytest.fixture
def imported_batch(review, source, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.import_batch_start(
            preview=False,
            review=review,
            source=source,
            upload=ris_upload(),
            filename="results.ris",
            user=lead,
        )
    batch.refresh_from_db()
    return batch


@pytest.fixture
def compared_batch(review, source, lead):
    """RIS_TWO's two records, imported and compared by deduplication: rows written by
    tests/factories.py in the state the pipeline leaves them (imported_batch runs the
    pipeline itself, for the tests of importing)."""
    from tests.factories import imported

    return imported(review, source, lead, RIS_TWO)


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login
