"""Action rights for study plans; scope comes from branches.permissions, the one access module."""

from branches.models import Organization, User
from branches.permissions import can_create_child_organization, can_manage_organization
from study.models import StudyPlan


def can_edit_plan(user: User, plan: StudyPlan) -> bool:
    """The organisation's secretary or organiser (or staff above) drafts and submits its plan."""
    return plan.is_editable and can_manage_organization(user, plan.organization)


def can_file_plan(user: User, plan: StudyPlan) -> bool:
    """备案 is done by an officer of a committee above the plan's organisation, never by the branch itself."""
    parent = plan.organization.parent
    return parent is not None and can_create_child_organization(user, parent)


def can_publish_template(user: User, organization: Organization) -> bool:
    return not organization.is_branch and can_create_child_organization(user, organization)
