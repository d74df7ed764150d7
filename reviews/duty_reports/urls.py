"""The pages of 述职评议考核, included by reviews/urls.py (namespace "reviews")."""

from django.urls import path

from reviews.duty_reports import views

urlpatterns = [
    path("duty-reports/", views.mine, name="duty_mine"),
    path("orgs/<int:pk>/duty-reports/", views.round_list, name="duty_round_list"),
    path("duty-reports/<int:pk>/", views.round_detail, name="duty_round_detail"),
    path("duty-reports/<int:pk>/remind/", views.round_remind, name="duty_round_remind"),
    path("duty-reports/reports/<int:pk>/", views.report_detail, name="duty_report_detail"),
    path("duty-reports/reports/<int:pk>/edit/", views.report_edit, name="duty_report_edit"),
    path("duty-reports/reports/<int:pk>/return/", views.report_return, name="duty_report_return"),
    path("duty-reports/reports/<int:pk>/assess/", views.report_assess, name="duty_report_assess"),
    path("duty-reports/reports/<int:pk>/conclude/", views.report_conclude, name="duty_report_conclude"),
]
