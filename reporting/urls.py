from django.urls import path

from reporting import views
from reporting.views import archive

app_name = "reporting"

urlpatterns = [
    path("<slug:review>/prisma/", views.prisma, name="prisma"),
    path("<slug:review>/prisma/diagram.<str:fmt>", views.prisma_download, name="prisma_download"),
    path("<slug:review>/prisma/override/", views.prisma_override, name="prisma_override"),
    path("<slug:review>/prisma/note/", views.prisma_note, name="prisma_note"),
    path("<slug:review>/prisma/boxes/<str:key>/", views.prisma_box, name="prisma_box"),
    path("<slug:review>/prisma-s/", views.prisma_s, name="prisma_s"),
    path("<slug:review>/prisma-s.csv", views.prisma_s_csv, name="prisma_s_csv"),
    path("<slug:review>/archive.zip", archive.archive_download, name="archive_export"),
    path("archives/import/", archive.archive_upload, name="archive_import"),
    path("<slug:review>/exports/", views.exports, name="exports"),
    path("<slug:review>/exports/records.<str:fmt>", views.records_export, name="records_export"),
    path("<slug:review>/exports/screening-log.csv", views.screening_log, name="screening_log"),
    path("<slug:review>/exports/audit.csv", views.audit_csv, name="audit_csv"),
]
