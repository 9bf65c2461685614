from django.urls import path

from reviews import views
from reviews.views import dedup

app_name = "reviews"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("new/", views.review_create, name="create"),
    path("<slug:review>/", views.review_detail, name="detail"),
    path("<slug:review>/edit/", views.review_edit, name="edit"),
    path("<slug:review>/team/", views.team, name="team"),
    path("<slug:review>/team/<int:member_id>/role/", views.member_role, name="member_role"),
    path("<slug:review>/team/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("<slug:review>/sources/", views.source_list, name="sources"),
    path("<slug:review>/sources/new/", views.source_create, name="source_create"),
    path("<slug:review>/sources/<int:source_id>/", views.source_detail, name="source_detail"),
    path("<slug:review>/sources/<int:source_id>/edit/", views.source_edit, name="source_edit"),
    path(
        "<slug:review>/sources/<int:source_id>/searches/new/",
        views.search_create,
        name="search_create",
    ),
    path("<slug:review>/searches/<int:search_id>/edit/", views.search_edit, name="search_edit"),
    path(
        "<slug:review>/sources/<int:source_id>/imports/",
        views.import_upload,
        name="import_upload",
    ),
    path("<slug:review>/imports/", views.batch_list, name="batches"),
    path("<slug:review>/imports/<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path(
        "<slug:review>/imports/<int:batch_id>/confirm/", views.batch_confirm, name="batch_confirm"
    ),
    path("<slug:review>/imports/<int:batch_id>/cancel/", views.batch_cancel, name="batch_cancel"),
    path("<slug:review>/imports/<int:batch_id>/remap/", views.batch_remap, name="batch_remap"),
    path("<slug:review>/imports/<int:batch_id>/undo/", views.batch_undo, name="batch_undo"),
    path(
        "<slug:review>/imports/<int:batch_id>/requeue/", views.batch_requeue, name="batch_requeue"
    ),
    path("<slug:review>/records/", views.record_list, name="records"),
    path("<slug:review>/records/<int:record_id>/", views.record_detail, name="record_detail"),
    path("<slug:review>/records/<int:record_id>/edit/", views.record_edit, name="record_edit"),
    path("<slug:review>/duplicates/", dedup.dedup_overview, name="dedup"),
    path("<slug:review>/duplicates/run/", dedup.dedup_run_now, name="dedup_run"),
    path("<slug:review>/duplicates/queue/", dedup.dedup_queue, name="dedup_queue"),
    path("<slug:review>/duplicates/report.csv", dedup.dedup_report_csv, name="dedup_report"),
    path("<slug:review>/duplicates/sources.csv", dedup.dedup_sources_csv, name="dedup_sources"),
    path("<slug:review>/duplicates/log.csv", dedup.dedup_decisions_csv, name="dedup_log"),
    path(
        "<slug:review>/duplicates/records/<int:record_id>/",
        dedup.dedup_cluster,
        name="dedup_cluster",
    ),
    path(
        "<slug:review>/duplicates/records/<int:record_id>/split/",
        dedup.dedup_split,
        name="dedup_split",
    ),
    path(
        "<slug:review>/duplicates/records/<int:record_id>/primary/",
        dedup.dedup_primary,
        name="dedup_primary",
    ),
    path(
        "<slug:review>/duplicates/records/<int:record_id>/compare/<int:other_id>/",
        dedup.dedup_compare,
        name="dedup_compare",
    ),
    path(
        "<slug:review>/duplicates/records/<int:record_id>/compare/<int:other_id>/decide/",
        dedup.dedup_decide,
        name="dedup_decide",
    ),
]
