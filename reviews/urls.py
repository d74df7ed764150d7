from django.urls import include, path

from reviews.compliance import views
from reviews.reports import views as report_views

app_name = "reviews"

urlpatterns = [
    path("", include("reviews.members.urls")),
    path("", include("reviews.evaluations.urls")),
    path("", include("reviews.duty_reports.urls")),
    path("", include("reviews.oversight.urls")),
    path("", include("reviews.ratings.urls")),
    path("", include("reviews.weak_branches.urls")),
    path("compliance/", views.dashboard_home, name="dashboard_home"),
    path("orgs/<int:pk>/compliance/", views.dashboard, name="dashboard"),
    path("orgs/<int:pk>/todo/", views.branch_todo, name="branch_todo"),
    path("orgs/<int:pk>/obligations/", views.month_obligations, name="month_obligations"),
    path("orgs/<int:pk>/compliance/export.xlsx", views.dashboard_export, name="dashboard_export"),
    path("orgs/<int:pk>/compliance/circular/", views.circular, name="circular"),
    path("orgs/<int:pk>/reports/", report_views.yearly_reports, name="yearly_reports"),
    path("reports/<int:pk>/<str:file_kind>/", report_views.yearly_report_download, name="yearly_report_download"),
    path("orgs/<int:pk>/compliance/<str:rule_code>/<str:period_key>/", views.result_detail, name="result_detail"),
]
