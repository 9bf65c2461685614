"""A whole review for the security tests: one object of every kind a URL can name.

`build_world` fills review A (the cast's lead and two reviewers) or review B (the outsider
and two reviewers of their own) with the same objects, so the URL matrix can fill every
URL's ids and try review B's ids under review A's address.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings

from accounts.models import Invitation
from accounts.selectors import token_hash
from accounts.services import invitations as invitation_services
from appraisal import services as appraisal_services
from appraisal.models import Design
from lib.fulltext import make_pdf
from reviews import services as review_services
from reviews.models import Record, Role, SourceType
from screening import services as screening_services
from screening.access import Viewer
from screening.models import Report, Stage
from tests.appraisal.conftest import FORM, appraise, extract
from tests.factories import imported
from tests.reviews.test_dedup_service import ris
from tests.screening.conftest import paper

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


@dataclass
class World:
    review: object
    lead: object
    reviewer: object
    second_reviewer: object
    ids: dict = field(default_factory=dict)
    open_record: Record | None = None  # nobody has voted on it


def _vote(review, record, user, verdict, stage=TA, **kw):
    return screening_services.decision_record(
        review=review, record=record, reviewer=user, stage=stage, verdict=verdict, **kw
    )


def _review(lead, reviewer, second_reviewer):
    from reviews.services.reviews import CriterionItem

    review = review_services.review_create(
        user=lead, title="Partnerships and public health",
        question="Do partnerships improve public health?",
        inclusion=[CriterionItem("I1", "Public health partnership")],
        exclusion=[CriterionItem("E1", "Outside England"), CriterionItem("E3", "Clinical only")],
    )  # fmt: skip
    review_services.member_add(review=review, username="reviewer", role=Role.REVIEWER)
    review_services.member_add(review=review, username="second_reviewer", role=Role.REVIEWER)
    return review


@contextmanager
def module_world(django_db_blocker, tmp_path_factory, name: str) -> Iterator[World]:
    """The security world built once for a module (`scope="module"` fixtures): its own media
    and ranking folders, fast hashing, a local cache, no rate limits; everything rolled
    back when the module is done."""
    with (
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            RANKING_CACHE_DIR=tmp_path_factory.mktemp("ranking"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                "LOCATION": name}},
            ACCOUNT_RATE_LIMITS=False,
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):  # fmt: skip
        from django.contrib.auth import get_user_model

        from tests.conftest import make_user

        users = get_user_model()
        lead, reviewer, second = (
            make_user(users, who) for who in ("lead", "reviewer", "second_reviewer")
        )
        review = _review(lead, reviewer, second)
        yield build_world(review, lead, reviewer, second)
        transaction.set_rollback(True)


def build_world(review, lead, reviewer, second_reviewer, *, offset: int = 0) -> World:
    """Records (one included to a study, one in conflict, open ones, one found by other
    methods), a retrieved report with its PDF, a bulk upload waiting, an undone early stop,
    a checklist and a form with both reviewers' answers and values."""
    source = review_services.source_create(
        review=review, name="Medline", source_type=SourceType.DATABASE
    )
    search = review_services.search_create(source=source, label="Main", strategy="1. x.ti.")
    found = review_services.source_create(
        review=review, name="Experts", source_type=SourceType.CONTACT
    )
    papers = [paper(offset + n, doi=f"10.5555/w{offset}.{n}") for n in range(6)]
    batch = imported(review, source, lead, ris(*papers))
    other = imported(review, found, lead, ris(paper(offset + 50)), name="contact.ris")
    records = list(batch.records.order_by("ordinal"))
    included, conflicted = records[0], records[1]
    _vote(review, included, reviewer, "include")
    _vote(review, included, second_reviewer, "include")
    _vote(review, conflicted, reviewer, "include")
    _vote(review, conflicted, second_reviewer, "exclude", reason_other="Not a partnership")
    note = screening_services.note_add(
        viewer=Viewer(review, lead.pk, Role.LEAD), paper=conflicted, stage=TA, user=lead,
        text="Lead: ask the authors about the setting",
    )  # fmt: skip
    report = Report.objects.get(record=included)
    upload = SimpleUploadedFile("ft.pdf", make_pdf(included.title, doi=included.doi))
    screening_services.report_attach_pdf(
        review=review, report=report, upload=upload, filename="ft.pdf", user=lead
    )
    _vote(review, included, reviewer, "include", stage=FT)
    _vote(review, included, second_reviewer, "include", stage=FT)
    report.refresh_from_db()
    study = report.study
    bulk_pdf = SimpleUploadedFile("b.pdf", make_pdf(included.title, doi=included.doi))
    bulk = screening_services.bulk_upload_start(
        review=review, files=[bulk_pdf], user=lead, enqueue=False
    )
    screening_services.bulk_upload_run(bulk_id=bulk.pk)
    stop = screening_services.screening_stop_early(
        review=review, stage=TA, user=lead, rule="judgement", note="test"
    )
    screening_services.screening_stop_undo(review=review, stop=stop, user=lead)

    checklist = appraisal_services.checklist_add_builtin(
        review=review, user=lead, key="seed_qualitative"
    )
    appraisal_services.study_design_set(
        review=review, user=lead, study=study, design=Design.QUALITATIVE
    )
    # A weight that "%g" would round (the form must show it exactly: round trip).
    appraisal_services.study_weights_set(review=review, user=lead, basis="sample size",
                                         weights={study: 123456789.25})  # fmt: skip
    version = checklist.versions.get()
    appraise(review, study, version, reviewer, Q1="no")
    appraise(review, study, version, second_reviewer)
    form = appraisal_services.form_create(
        review=review, user=lead, name="Characteristics", definition=FORM
    )
    form_version = form.versions.get()
    extract(review, study, form_version, reviewer)
    extract(review, study, form_version, second_reviewer, setting="Rural")

    member = review.members.get(user=reviewer)
    invitation = invitation_services.invitation_create(
        review=review, email=f"invited{offset}@example.org", role=Role.REVIEWER,
        invited_by=lead, base_url="http://testserver/",
    )  # fmt: skip
    # A known token (the real one is only in the mail): the matrix opens the link.
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash(f"token-{offset}"))
    ids = {
        "review": review.slug,
        "token": f"token-{offset}",
        "member_id": member.pk,
        "source_id": source.pk,
        "search_id": search.pk,
        "batch_id": batch.pk,
        "record_id": records[2].pk,
        "other_id": records[3].pk,
        "conflict_record_id": conflicted.pk,
        "note_id": note.pk,
        "other_method_record_id": other.records.get().pk,
        "stop_id": stop.pk,
        "report_id": report.pk,
        "bulk_id": bulk.pk,
        "checklist_id": checklist.pk,
        "study_id": study.pk,
        "version_id": version.pk,
        "form_id": form.pk,
        "form_version_id": form_version.pk,
        "invitation_id": invitation.pk,
        "email_id": invitation.mail_id,
        "user_id": reviewer.pk,
    }
    return World(review, lead, reviewer, second_reviewer, ids, open_record=records[4])


@pytest.fixture
def world(review, lead, reviewer, second_reviewer) -> World:
    return build_world(review, lead, reviewer, second_reviewer)


@pytest.fixture
def world_b(outsider, django_user_model) -> World:
    """Review B: the outsider's, with two reviewers who are not in review A."""
    from tests.conftest import make_user

    b1, b2 = make_user(django_user_model, "b_reviewer"), make_user(django_user_model, "b_second")
    review_b = review_services.review_create(
        user=outsider,
        title="Another team's review",
        exclusion=[],
    )
    review_services.member_add(review=review_b, username="b_reviewer", role=Role.REVIEWER)
    review_services.member_add(review=review_b, username="b_second", role=Role.REVIEWER)
    return build_world(review_b, outsider, b1, b2, offset=100)
