from django.contrib import admin

from reviews.models import Criterion, ImportBatch, Member, Review, Search, Source


class MemberInline(admin.TabularInline):
    model = Member
    extra = 1


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "created_at"]
    inlines = [MemberInline, CriterionInline]


class SearchInline(admin.StackedInline):
    model = Search
    extra = 0


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "review", "source_type", "arm"]
    list_filter = ["source_type"]
    inlines = [SearchInline]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["filename", "review", "source", "status", "records_stored", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]
