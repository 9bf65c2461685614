"""Issue #21: discussion notes on a paper at a stage. Leads read and write them always; a
reviewer reads them once the paper is final for everyone at the stage (their vote fixed:
every required slot filled; or resolved), never before (screening.access rule 5); the
stage's resolver writes where they read; the author deletes theirs, leaving a tombstone."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reviews.models import AuditEvent, AuditKind, Role
from reviews.services import import_batch_undo
from screening import services
from screening.access import Viewer
from screening.models import Note, Stage
from tests.screening.conftest import decide, settings_of

pytestmark = pytest.mark.django_db
TA = Stage.TITLE_ABSTRACT


def viewer(review, user) -> Viewer:
    role = review.members.get(user=user).role
    return Viewer(review, user.pk, role)


def write(review, user, record, text="Check the setting: England?", stage=TA) -> Note:
    return services.note_add(
        viewer=viewer(review, user), paper=record, stage=stage, user=user, text=text
    )


def notes_url(review, record, stage=TA) -> str:
    return reverse("screening:notes", args=[review.slug, stage, record.pk])


def test_a_reviewer_reads_a_note_only_once_their_vote_is_fixed(
    client, review, records, lead, reviewer, second_reviewer
):
    record = records[0]
    write(review, lead, record, text="Lead remark on the design")
    client.force_login(reviewer)
    assert not viewer(review, reviewer).sees_notes(TA, record.pk)
    page = client.get(notes_url(review, record)).text
    assert "Lead remark" not in page and "shown to reviewers once every" in page
    decide(review, record, reviewer, "include")  # one slot of two: still open
    assert "Lead remark" not in client.get(notes_url(review, record)).text
    decide(review, record, second_reviewer, "exclude", reason_other="Not a partnership")
    assert viewer(review, reviewer).sees_notes(TA, record.pk)  # both slots filled: fixed
    assert "Lead remark on the design" in client.get(notes_url(review, record)).text
    # The lead reads it always, on the conflict page too.
    client.force_login(lead)
    conflict = reverse("screening:conflict", args=[review.slug, TA, record.pk])
    assert "Lead remark on the design" in client.get(conflict).text


def test_a_reopened_vote_hides_the_notes_again(review, records, lead, reviewer, second_reviewer):
    record = records[1]
    write(review, lead, record)
    settings_of(review, reviewers_required=2)
    assert not viewer(review, reviewer).sees_notes(TA, record.pk)
    decide(review, record, reviewer, "include")
    decide(review, record, second_reviewer, "exclude", reason_other="No")
    assert viewer(review, reviewer).sees_notes(TA, record.pk)
    services.decision_reopen(
        review=review, paper=record, stage=TA, reviewer_id=second_reviewer.pk, user=lead,
        reason="Asked to look again",
    )  # fmt: skip
    assert not viewer(review, reviewer).sees_notes(TA, record.pk)  # a slot open again


def test_reviewers_do_not_write_notes_and_the_resolver_does_where_they_read(
    client, review, records, lead, reviewer, second_reviewer, django_user_model
):
    from tests.screening.conftest import third

    resolver = third(django_user_model, review, username="resolver")
    settings_of(review, resolver=resolver)
    record = records[2]
    with pytest.raises(PermissionDenied):
        write(review, reviewer, record)
    with pytest.raises(PermissionDenied):  # not final yet: the resolver neither reads nor writes
        write(review, resolver, record)
    client.force_login(reviewer)
    answer = client.post(notes_url(review, record), {"text": "A reviewer note"})
    assert answer.status_code == 403 and not Note.objects.exists()
    decide(review, record, reviewer, "include")
    decide(review, record, second_reviewer, "exclude", reason_other="No")
    note = write(review, resolver, record, text="Resolver: asked the authors")
    assert note.author == resolver and Note.objects.count() == 1
    client.force_login(resolver)
    page = client.get(reverse("screening:conflict", args=[review.slug, TA, record.pk])).text
    assert "Resolver: asked the authors" in page and 'for="note-text-title_abstract"' in page


def test_adding_through_the_page_and_htmx_and_an_empty_note_is_refused(
    client, review, records, lead
):
    record = records[3]
    client.force_login(lead)
    answer = client.post(notes_url(review, record), {"text": "  "})
    assert answer.status_code == 200 and "Write the note first" in answer.text
    assert not Note.objects.exists()
    answer = client.post(notes_url(review, record), {"text": "First\r\nsecond line"})
    assert answer.status_code == 302
    assert Note.objects.get().text == "First\nsecond line"
    answer = client.post(
        notes_url(review, record), {"text": "By htmx"}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200 and "<html" not in answer.text
    assert 'id="notes-title_abstract"' in answer.text and "By htmx" in answer.text
    event = AuditEvent.objects.filter(kind=AuditKind.NOTE).last()
    assert event.record_id == record.pk and event.actor == lead and event.stage == TA
    with pytest.raises(ValidationError):
        write(review, lead, record, text="x" * (Note.MAX_LENGTH + 1))


def test_only_the_author_deletes_a_note_and_a_tombstone_stays(
    client, review, records, lead, django_user_model
):
    from reviews import services as review_services

    other_lead = django_user_model.objects.create_user(username="other_lead", password="x")
    review_services.member_add(review=review, username="other_lead", role=Role.LEAD)
    record = records[4]
    note = write(review, lead, record, text="To be deleted")
    with pytest.raises(PermissionDenied):
        services.note_delete(review=review, note=note, user=other_lead)
    client.force_login(lead)
    delete = reverse("screening:note_delete", args=[review.slug, TA, record.pk, note.pk])
    assert client.post(delete).status_code == 302
    note.refresh_from_db()
    assert note.deleted and note.text == ""
    page = client.get(notes_url(review, record)).text
    assert "To be deleted" not in page and "deleted by its author" in page
    kinds = list(AuditEvent.objects.filter(record_id=record.pk).values_list("kind", flat=True))
    assert kinds[-2:] == [AuditKind.NOTE, AuditKind.NOTE_DELETE]
    # A note of another record is not deleted through this one's address.
    other = write(review, lead, records[5])
    wrong = reverse("screening:note_delete", args=[review.slug, TA, record.pk, other.pk])
    assert client.post(wrong).status_code == 404
    assert not Note.objects.get(pk=other.pk).deleted


def test_the_conflicts_list_counts_the_notes(
    client, review, records, lead, reviewer, second_reviewer
):
    record = records[0]
    decide(review, record, reviewer, "include")
    decide(review, record, second_reviewer, "exclude", reason_other="No")
    write(review, lead, record, text="one")
    write(review, lead, record, text="two")
    services.note_delete(review=review, note=write(review, lead, record, text="gone"), user=lead)
    client.force_login(lead)
    page = client.get(reverse("screening:conflicts", args=[review.slug, TA])).text
    assert "2 notes" in page


def test_an_import_whose_records_have_notes_is_not_undone(review, records, lead):
    write(review, lead, records[0])
    batch = records[0].batch
    with pytest.raises(ValidationError, match="discussion notes"):
        import_batch_undo(batch=batch, user=lead)


def test_an_archive_carries_the_notes_and_their_tombstones(review, records, lead, tmp_path):
    from reporting import archive

    kept = write(review, lead, records[0], text="Kept through the archive")
    services.note_delete(review=review, note=write(review, lead, records[1]), user=lead)
    path = archive.archive_export(review=review, out=tmp_path / "a.zip")
    copy = archive.archive_import(file=path, user=lead, slug="restored")
    rows = Note.objects.filter(review=copy).order_by("created_at", "pk")
    assert [(n.paper.number, n.text, n.deleted, n.author, n.stage) for n in rows] == [
        (records[0].number, "Kept through the archive", False, lead, TA),
        (records[1].number, "", True, lead, TA),
    ]
    assert rows[0].created_at == kept.created_at and rows[0].paper.review == copy


def test_the_rule_for_one_paper_agrees_with_the_rule_for_many(
    review, records, lead, reviewer, second_reviewer
):
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "include")
    decide(review, records[1], second_reviewer, "include")
    decide(review, records[2], reviewer, "include")
    decide(review, records[2], second_reviewer, "exclude", reason_other="No")
    for user in (reviewer, second_reviewer):
        v = viewer(review, user)
        many = set(v.notes_papers(TA).values_list("pk", flat=True))
        assert many == {records[0].pk, records[2].pk}
        assert {r.pk for r in records if v.sees_notes(TA, r.pk)} == many
