from django.urls import include, path

from branches import views

app_name = "branches"

urlpatterns = [
    path("tree/", views.organization_tree, name="organization_tree"),
    path("audit/", views.audit_log, name="audit_log"),
    path("orgs/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("orgs/<int:pk>/children/", views.organization_children, name="organization_children"),
    path("orgs/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("orgs/<int:pk>/move/", views.organization_move, name="organization_move"),
    path("orgs/<int:parent_pk>/new-child/", views.organization_create, name="organization_create"),
    path("orgs/<int:pk>/groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("orgs/<int:pk>/members/new/", views.member_create, name="member_create"),
    path("orgs/<int:pk>/roster/import/", views.roster_import, name="roster_import"),
    path("orgs/<int:pk>/roster/template.xlsx", views.roster_template, name="roster_template"),
    path("orgs/<int:pk>/roster/export.xlsx", views.roster_export, name="roster_export"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/transfer/", views.member_transfer, name="member_transfer"),
    path("members/<int:pk>/status/", views.member_status, name="member_status"),
    path("members/<int:pk>/account/", views.member_account_create, name="member_account_create"),
    path("", include("branches.terms.urls")),
]
