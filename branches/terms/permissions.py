"""Who may record a 换届选举, on top of the access module (branches.permissions).

The election's result goes to the parent organisation (上级党组织批复), which records it: the managers of the
parent (its 党委工作人员, its 书记 …) and the officers and administrators above. The branch's own committee
sees its history but does not record its own election (it would grant itself its roles).
"""

from __future__ import annotations

from branches.models import Organization, User
from branches.permissions import can_manage_organization


def can_record_election(user: User, organization: Organization) -> bool:
    return (
        organization.is_branch
        and organization.parent is not None
        and can_manage_organization(user, organization.parent)
    )
