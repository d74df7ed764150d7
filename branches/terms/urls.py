"""The pages of 换届, included by branches/urls.py (namespace "branches")."""

from django.urls import path

from branches.terms import views

urlpatterns = [
    path("orgs/<int:pk>/elections/new/", views.election_create, name="election_create"),
    path("orgs/<int:pk>/terms/due/", views.terms_due, name="terms_due"),
]
