from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic.base import RedirectView

from config.login import RateLimitedLoginView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="reviews:list", permanent=False)),
    path("accounts/login/", RateLimitedLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("reviews/", include("reviews.urls")),
    path("reviews/", include("screening.urls")),
    path("reviews/", include("reporting.urls")),
    path("reviews/", include("appraisal.urls")),
]
