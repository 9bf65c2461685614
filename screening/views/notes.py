"""Discussion notes on a paper at a stage (issue #21): a panel on the conflict page and on
the record page (loaded by htmx; a page of its own without JavaScript). Who reads and who
writes: `screening.access` rule 5, through the Viewer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from reviews.models import Record
from screening import selectors, services
from screening.access import Viewer, viewer_of
from screening.forms import NoteForm
from screening.models import Note
from screening.views import _open, _paper


def notes_context(viewer: Viewer, paper: Record, stage: str, form: NoteForm | None = None):
    """What the notes panel (screening/notes.html#panel) shows: for the conflict page too."""
    notes = selectors.paper_notes(viewer, paper, stage)
    may_write = viewer.writes_notes(stage, paper.pk)
    return {
        "paper": paper,
        "notes": notes,
        "live_notes": sum(1 for n in notes if not n.deleted) if notes is not None else 0,
        "may_write_notes": may_write,
        "note_form": form if form is not None else (NoteForm() if may_write else None),
        "viewer_id": viewer.user_id,
    }


def _panel(request: HttpRequest, base: dict, viewer, paper, stage, form=None, status=200):
    context = {**base, **notes_context(viewer, paper, stage, form)}
    template = "screening/notes.html#panel" if request.htmx else "screening/notes.html"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def notes(request: HttpRequest, review: str, stage: str, record_id: int) -> HttpResponse:
    """The notes on a paper at a stage; POST adds one (leads, the stage's resolver)."""
    review_obj, stage, settings, base = _open(request, review, stage)
    paper = _paper(review_obj, record_id, stage)
    viewer = viewer_of(review_obj)
    form = None
    if request.method == "POST":
        if not viewer.writes_notes(stage, paper.pk):
            raise PermissionDenied("Only leads and the stage's resolver write notes here.")
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                services.note_add(
                    viewer=viewer, paper=paper, stage=stage, user=request.user,
                    text=form.cleaned_data["text"],
                )  # fmt: skip
            except ValidationError as error:
                form.add_error("text", error.messages[0])
            else:
                if not request.htmx:
                    return redirect("screening:notes", review_obj.slug, stage, paper.pk)
                form = None
    return _panel(request, base, viewer, paper, stage, form)


@require_POST
@login_required
def note_delete(
    request: HttpRequest, review: str, stage: str, record_id: int, note_id: int
) -> HttpResponse:
    """The author deletes their note; a tombstone stays."""
    review_obj, stage, settings, base = _open(request, review, stage)
    paper = _paper(review_obj, record_id, stage)
    viewer = viewer_of(review_obj)
    note = Note.objects.filter(review=review_obj, stage=stage, pk=note_id).first()
    if note is None or note.paper_id not in (paper.pk, *_merged(paper)):
        raise Http404("No such note on this record")
    if not viewer.sees_notes(stage, paper.pk):
        raise Http404("No such note on this record")
    services.note_delete(review=review_obj, note=note, user=request.user)
    if not request.htmx:
        return redirect("screening:notes", review_obj.slug, stage, paper.pk)
    return _panel(request, base, viewer, paper, stage)


def _merged(paper: Record) -> list[int]:
    return list(Record.objects.filter(duplicate_of=paper).values_list("pk", flat=True))
