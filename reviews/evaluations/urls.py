"""The pages of 民主评议党员, included by reviews/urls.py (namespace "reviews")."""

from django.urls import path

from reviews.evaluations import views

urlpatterns = [
    path("orgs/<int:pk>/evaluations/", views.campaign_list, name="evaluation_list"),
    path("evaluations/<int:pk>/", views.campaign_detail, name="evaluation_campaign"),
    path("evaluations/<int:pk>/steps/<str:step>/close/", views.stage_close, name="evaluation_stage_close"),
    path("evaluations/<int:pk>/self/", views.self_evaluation, name="evaluation_self"),
    path("evaluations/<int:pk>/ballots/", views.ballots, name="evaluation_ballots"),
    path("evaluations/<int:pk>/grades/", views.grades, name="evaluation_grades"),
    path("orgs/<int:pk>/evaluations/cases/", views.cases, name="evaluation_cases"),
    path("evaluations/grades/<int:pk>/review/", views.case_review, name="evaluation_case_review"),
    path("evaluations/<int:pk>/decision/", views.decision, name="evaluation_decision"),
    path("orgs/<int:pk>/evaluations/progress/", views.progress, name="evaluation_progress"),
    path("orgs/<int:pk>/evaluations/progress/export.xlsx", views.progress_export, name="evaluation_progress_export"),
    path("evaluations/<int:pk>/steps/<str:step>/remind/", views.remind, name="evaluation_remind"),
    path("evaluations/<int:pk>/opinions/", views.opinions, name="evaluation_opinions"),
    path("evaluations/grades/<int:pk>/disposition/", views.disposition, name="evaluation_disposition"),
    path("evaluations/grades/<int:pk>/follow-up/", views.follow_up, name="evaluation_follow_up"),
    path("evaluations/grades/<int:pk>/amend/", views.amend, name="evaluation_amend"),
]
