from django.urls import path

from study.learning import views as learning_views
from study.materials import views as materials_views
from study.plans import views as plan_views

app_name = "study"

urlpatterns = [
    # A member's own study (learning/)
    path("me/study/", learning_views.my_study, name="my_study"),
    path("tasks/<int:pk>/complete/", learning_views.task_complete, name="task_complete"),
    path("me/self-study/", learning_views.cadre_plan, name="cadre_plan"),
    path("me/self-study/items/<int:pk>/", learning_views.cadre_item_edit, name="cadre_item_edit"),
    # Materials (materials/)
    path("materials/", materials_views.material_list, name="material_list"),
    path("materials/<int:pk>/", materials_views.material_detail, name="material_detail"),
    path("materials/<int:pk>/attachment/", materials_views.material_attachment, name="material_attachment"),
    path("orgs/<int:pk>/materials/new/", materials_views.material_create, name="material_create"),
    # Plans and their filing workflow (plans/)
    path("orgs/<int:pk>/plans/", plan_views.plan_list, name="plan_list"),
    path("orgs/<int:pk>/plans/new/", plan_views.plan_create, name="plan_create"),
    path("orgs/<int:pk>/plans/adopt/<int:template_pk>/", plan_views.plan_adopt, name="plan_adopt"),
    path("orgs/<int:pk>/plans/copy-previous/", plan_views.plan_copy_previous, name="plan_copy_previous"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/items/new/", plan_views.plan_item_create, name="plan_item_create"),
    path("plan-items/<int:pk>/edit/", plan_views.plan_item_edit, name="plan_item_edit"),
    path("plan-items/<int:pk>/delete/", plan_views.plan_item_delete, name="plan_item_delete"),
    path("plans/<int:pk>/submit/", plan_views.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/file/", plan_views.plan_file, name="plan_file"),
    path("plans/<int:pk>/return/", plan_views.plan_return, name="plan_return"),
    path("plans/<int:pk>/revise/", plan_views.plan_revise, name="plan_revise"),
    path("plans/<int:pk>/publish/", plan_views.template_publish, name="template_publish"),
    # Oversight of study (plans/)
    path("orgs/<int:pk>/study-progress/", plan_views.branch_progress, name="branch_progress"),
    path("orgs/<int:pk>/study-progress/remind/", plan_views.branch_progress_remind, name="branch_progress_remind"),
    path("orgs/<int:pk>/plan-filing/", plan_views.plan_filing_status, name="plan_filing_status"),
    path("orgs/<int:pk>/plan-filing/file/", plan_views.plans_file_bulk, name="plans_file_bulk"),
]
