"""The pages of 软弱涣散党支部, included by reviews/urls.py (namespace "reviews")."""

from django.urls import path

from reviews.weak_branches import views

urlpatterns = [
    path("orgs/<int:pk>/weak-branches/", views.weak_overview, name="weak_overview"),
    path("orgs/<int:pk>/weak-branches/suggest/", views.weak_suggestions_start, name="weak_suggestions_start"),
    path("weak-suggestions/<int:pk>/confirm/", views.weak_suggestion_confirm, name="weak_suggestion_confirm"),
    path("weak-suggestions/<int:pk>/dismiss/", views.weak_suggestion_dismiss, name="weak_suggestion_dismiss"),
    path("orgs/<int:pk>/rectification/", views.branch_rectification, name="branch_rectification"),
    path("orgs/<int:pk>/rectification/new/", views.rectification_plan_create, name="rectification_plan_create"),
    path("rectification/<int:pk>/", views.rectification_plan, name="rectification_plan"),
    path("rectification/<int:pk>/measures/", views.rectification_measure_add, name="rectification_measure_add"),
    path("rectification/<int:pk>/updates/", views.rectification_update_add, name="rectification_update_add"),
    path("rectification/<int:pk>/lift/", views.weak_branch_lift, name="weak_branch_lift"),
]
