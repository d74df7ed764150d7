from django.contrib import admin
from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("portal.jobs.urls")),
    path("", include("branches.urls")),
    path("", include("study.urls")),
    path("", include("notifications.urls")),
    path("", include("activities.urls")),
    path("", include("reviews.urls")),
]
