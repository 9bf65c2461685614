"""Whole-review archives over HTTP: a lead downloads the review's ZIP; a staff user
imports one as a new review, which they lead (staff only: an archive names its reviewers,
and an edited one could credit decisions to any existing account). The work is
`reporting.archive`'s."""

from __future__ import annotations

import os

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from lib.fulltext.archive import ArchiveError
from reporting.archive import archive_export, archive_import
from reviews.access import review_for_user
from reviews.models import Role


class ArchiveImportForm(forms.Form):
    archive = forms.FileField(help_text="A .zip downloaded from a review's PRISMA page")
    slug = forms.SlugField(
        required=False, max_length=80, help_text="Blank: the archived slug, or the next free one"
    )

    def clean_archive(self):
        upload = self.cleaned_data["archive"]
        limit = settings.SIFT_MAX_UPLOAD_MB * 1024**2
        if upload.size > limit:
            raise forms.ValidationError(
                f"The archive is larger than {settings.SIFT_MAX_UPLOAD_MB:,} MB: import it on "
                "the server with `python manage.py review_import FILE`."
            )
        return upload


@login_required
@require_GET
def archive_download(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=Role.LEAD)
    try:
        path = archive_export(review=review_obj)
    except ArchiveError as error:
        messages.error(request, error.message)
        return redirect("reporting:prisma", review_obj.slug)
    handle = path.open("rb")
    os.unlink(path)  # POSIX: the open handle keeps the bytes until the response is sent
    return FileResponse(
        handle, as_attachment=True, filename=f"{review_obj.slug}-archive.zip",
        content_type="application/zip",
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def archive_upload(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied("Only an administrator can import a review archive.")
    form = ArchiveImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["archive"]
        try:
            review = archive_import(
                file=upload, user=request.user, slug=form.cleaned_data["slug"] or None,
                filename=upload.name,
            )  # fmt: skip
        except ArchiveError as error:
            form.add_error("archive", error.message)
        else:
            report = review.archive_report
            messages.success(
                request, f"Imported {sum(report.rows.values()):,} rows and {report.files} files."
            )
            if report.users_created:
                messages.warning(
                    request,
                    "Accounts created, inactive until an administrator activates them: "
                    + ", ".join(report.users_created),
                )
            return redirect("reviews:detail", review.slug)
    return render(request, "reporting/archive_import.html", {"form": form})
