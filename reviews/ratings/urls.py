"""The pages of 星级评定, included by reviews/urls.py (namespace "reviews")."""

from django.urls import path

from reviews.ratings import views

urlpatterns = [
    path("orgs/<int:pk>/ratings/", views.subtree_ratings, name="subtree_ratings"),
    path("orgs/<int:pk>/rating/", views.branch_rating, name="branch_rating"),
    path("ratings/<int:pk>/", views.rating_detail, name="rating_detail"),
]
