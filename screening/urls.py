from django.urls import path

from screening import views
from screening.views import fulltexts as ft
from screening.views import notes as notes_views

app_name = "screening"

S = "<slug:review>/screening/<str:stage>"

urlpatterns = [
    path(f"{S}/", views.overview, name="overview"),
    path(f"{S}/screen/", views.screen, name="screen"),
    path(f"{S}/progress/", views.screen_progress, name="progress"),
    path(f"{S}/records/<int:record_id>/decision/", views.decide, name="decide"),
    path(f"{S}/undo/", views.undo, name="undo"),
    path(f"{S}/mine/", views.my_decisions, name="mine"),
    path(f"{S}/conflicts/", views.conflicts, name="conflicts"),
    path(f"{S}/conflicts/<int:record_id>/", views.conflict, name="conflict"),
    path(f"{S}/conflicts/<int:record_id>/reopen/", views.reopen, name="reopen"),
    path(f"{S}/records/<int:record_id>/notes/", notes_views.notes, name="notes"),
    path(
        f"{S}/records/<int:record_id>/notes/<int:note_id>/delete/",
        notes_views.note_delete,
        name="note_delete",
    ),
    path(f"{S}/agreement/", views.agreement, name="agreement"),
    path(f"{S}/agreement.csv", views.agreement_csv, name="agreement_csv"),
    path(f"{S}/settings/", views.stage_settings, name="settings"),
    path(f"{S}/ranking/", views.ranking, name="ranking"),
    path(f"{S}/ranking/curve.<str:fmt>", views.ranking_curve, name="ranking_curve"),
    path(f"{S}/ranking/stop/", views.ranking_stop, name="ranking_stop"),
    path(
        f"{S}/ranking/stops/<int:stop_id>/undo/", views.ranking_stop_undo, name="ranking_stop_undo"
    ),
    path("<slug:review>/fulltexts/", ft.reports, name="reports"),
    path("<slug:review>/fulltexts/bulk/", ft.bulk_upload, name="bulk_upload"),
    path("<slug:review>/fulltexts/bulk/<int:bulk_id>/", ft.bulk, name="bulk"),
    path(
        "<slug:review>/fulltexts/bulk/<int:bulk_id>/confirm/", ft.bulk_confirm, name="bulk_confirm"
    ),
    path("<slug:review>/fulltexts/add/<int:record_id>/", ft.report_add, name="report_add"),
    path("<slug:review>/fulltexts/<int:report_id>/", ft.report, name="report"),
    path("<slug:review>/fulltexts/<int:report_id>/pdf/", ft.report_pdf, name="report_pdf"),
    path("<slug:review>/fulltexts/<int:report_id>/upload/", ft.report_upload, name="report_upload"),
    path(
        "<slug:review>/fulltexts/<int:report_id>/retrieval/",
        ft.report_retrieval,
        name="report_retrieval",
    ),
    path("<slug:review>/fulltexts/<int:report_id>/study/", ft.report_study, name="report_study"),
    path(
        "<slug:review>/fulltexts/<int:report_id>/study/unlink/",
        ft.report_study_unlink,
        name="report_study_unlink",
    ),
    path("<slug:review>/studies/", ft.studies, name="studies"),
]
