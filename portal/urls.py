from django.contrib import admin
from django.urls import include, path

from branches.admin import view_on_site
from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    # Before the admin's own: 404 for an object outside the user's scope (Django's view redirects to any object).
    path("admin/r/<int:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site)),
    path("admin/", admin.site.urls),
    path("", include("portal.jobs.urls")),
    path("", include("branches.urls")),
    path("", include("study.urls")),
    path("", include("notifications.urls")),
    path("", include("activities.urls")),
    path("", include("reviews.urls")),
]
