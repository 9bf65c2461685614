from allauth.account import views as allauth_views
from django.contrib import admin
from django.urls import include, path
from django.views.generic.base import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="reviews:list", permanent=False)),
    # The names "login" and "logout" stay (other code and tests reverse them); the pages
    # are allauth's, rate-limited by its `login_failed` rule (config/settings.py).
    path("accounts/login/", allauth_views.login, name="login"),
    path("accounts/logout/", allauth_views.logout, name="logout"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("reviews/", include("reviews.urls")),
    path("reviews/", include("screening.urls")),
    path("reviews/", include("reporting.urls")),
    path("reviews/", include("appraisal.urls")),
]

# Error pages in the site frame (config/errors.py); 400 and 500 use Django's handlers.
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
