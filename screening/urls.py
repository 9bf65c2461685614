from django.urls import path

from screening import views

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
    path(f"{S}/agreement/", views.agreement, name="agreement"),
    path(f"{S}/agreement.csv", views.agreement_csv, name="agreement_csv"),
    path(f"{S}/settings/", views.stage_settings, name="settings"),
]
