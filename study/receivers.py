"""What study does when the apps below it announce a change (`portal.hooks`); connected in `StudyConfig`."""

from study import tasks


def member_changed(*, member_id: int) -> None:
    """A member joined, moved or left (after commit): bring their study tasks in line, in the worker."""
    tasks.member_tasks_sync.delay(member_id=member_id)


def organization_members_changed(*, organization_id: int) -> None:
    """Many members of a branch changed (after commit, e.g. a roster import): new members get the study tasks of
    the branch's filed plan that are still ahead."""
    tasks.organization_tasks_sync.delay(organization_id=organization_id)
