from django.urls import path

from appraisal import views
from appraisal.views import downloads as dl
from appraisal.views import extraction as ex

app_name = "appraisal"

A = "<slug:review>/appraisal"
V = f"{A}/versions/<int:version_id>"
E = "<slug:review>/extraction"

urlpatterns = [
    path(f"{A}/", views.overview, name="overview"),
    path(f"{A}/settings/", views.appraisal_settings, name="settings"),
    path(f"{A}/checklists/", views.checklists, name="checklists"),
    path(f"{A}/checklists/new/", views.checklist_create, name="checklist_create"),
    path(f"{A}/checklists/<int:checklist_id>/", views.checklist, name="checklist"),
    path(f"{A}/studies/<int:study_id>/design/", views.study_design, name="study_design"),
    path(f"{A}/weights/", views.study_weights, name="study_weights"),
    path(f"{A}/studies/<int:study_id>/versions/<int:version_id>/", views.appraise,
         name="appraise"),
    path(f"{A}/studies/<int:study_id>/versions/<int:version_id>/consensus/", views.consensus,
         name="consensus"),
    path(f"{A}/appraisal_long.csv", dl.long_csv, name="long_csv"),
    path(f"{V}/", views.table, name="table"),
    path(f"{V}/table.<str:fmt>", dl.table_download, name="table_download"),
    path(f"{V}/summary.csv", dl.summary_csv, name="summary_csv"),
    path(f"{V}/appraisal_wide.csv", dl.wide_csv, name="wide_csv"),
    path(f"{V}/robvis.csv", dl.robvis_csv, name="robvis_csv"),
    path(f"{V}/<str:name>.<str:fmt>", dl.figure, name="figure"),
    path(f"{E}/", ex.overview, name="extraction"),
    path(f"{E}/forms/new/", ex.form_create, name="extraction_form_create"),
    path(f"{E}/forms/preview/", ex.form_preview, name="extraction_form_preview"),
    path(f"{E}/forms/<int:form_id>/", ex.form_detail, name="extraction_form"),
    path(f"{E}/forms/<int:form_id>/characteristics.<str:fmt>", dl.characteristics,
         name="characteristics"),
    path(f"{E}/forms/<int:form_id>/results_long.csv", dl.results_csv, name="results_csv"),
    path(f"{E}/forms/<int:form_id>/outcomes_<str:kind>.csv", dl.outcomes_csv,
         name="outcomes_csv"),
    path(f"{E}/extraction_long.csv", dl.extraction_long_csv, name="extraction_long_csv"),
    path(f"{E}/studies/<int:study_id>/versions/<int:version_id>/", ex.extract, name="extract"),
    path(f"{E}/studies/<int:study_id>/versions/<int:version_id>/consensus/", ex.consensus,
         name="extraction_consensus"),
]  # fmt: skip
