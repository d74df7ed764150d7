"""The member rules' pages (M1 flags with the 批评教育 talk, M2, M3), included by reviews/urls.py (namespace
"reviews")."""

from django.urls import path

from reviews.members import views as member_views

urlpatterns = [
    path("orgs/<int:pk>/member-flags/", member_views.member_flags, name="member_flags"),
    path("member-flags/<int:pk>/talk/", member_views.member_flag_talk, name="member_flag_talk"),
]
