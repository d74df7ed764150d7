from django.urls import path

from portal.jobs import views

app_name = "portal"

urlpatterns = [
    path("jobs/<int:pk>/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
]
