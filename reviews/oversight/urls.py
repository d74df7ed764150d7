"""The pages of 督导检查 and the problem ledger, included by reviews/urls.py (namespace "reviews")."""

from django.urls import path

from reviews.oversight import views

urlpatterns = [
    path("orgs/<int:pk>/problems/", views.problem_ledger, name="problem_ledger"),
    path("orgs/<int:pk>/problems/new/", views.problem_create, name="problem_create"),
    path("problems/mine/", views.problems_mine, name="problems_mine"),
    path("orgs/<int:pk>/interviews/new/", views.interview_create, name="interview_create"),
    path("interviews/<int:pk>/", views.interview_detail, name="interview_detail"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/start/", views.problem_start, name="problem_start"),
    path("problems/<int:pk>/submit/", views.problem_submit, name="problem_submit"),
    path("problems/<int:pk>/verify/", views.problem_verify, name="problem_verify"),
    path("problems/<int:pk>/return/", views.problem_return, name="problem_return"),
    path("orgs/<int:pk>/inspections/", views.inspection_list, name="inspection_list"),
    path("orgs/<int:pk>/inspections/new/", views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/close/", views.inspection_close, name="inspection_close"),
    path("inspections/branches/<int:pk>/", views.inspection_branch, name="inspection_branch"),
    path("inspections/findings/<int:pk>/problem/", views.finding_problem, name="finding_problem"),
    path("inspections/findings/<int:pk>/evidence/", views.finding_evidence, name="finding_evidence"),
    path("problems/evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
]
