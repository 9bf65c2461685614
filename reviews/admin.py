"""The admin site is for accounts; reviews are read here, changed only through Sift's own
pages (services enforce the rules: at least one lead, undo guards, all-or-nothing imports)."""

from django.contrib import admin

from reviews.models import ImportBatch, Review, Source


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["title", "slug", "created_at"]


@admin.register(Source)
class SourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "review", "source_type", "arm"]
    list_filter = ["source_type"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["filename", "review", "source", "status", "records_stored", "created_at"]
    list_filter = ["status"]
