"""What reviews does when the apps below it announce a change (`portal.hooks`); connected in `ReviewsConfig`."""

from collections.abc import Iterable

from reviews import tasks


def meetings_changed(*, organization_id: int, years: Iterable[int]) -> None:
    """Re-judge the organisation's compliance for those years, and its members' M1 flags, after commit (attending
    ends a member's M1 run at once rather than at the nightly refresh)."""
    tasks.compliance_refresh.delay_on_commit(organization_id=organization_id, years=sorted(set(years)))
    tasks.member_flags_refresh.delay_on_commit(organization_ids=[organization_id], today=None)


def study_tasks_changed(*, organization_id: int, years: Iterable[int]) -> None:
    """Carry the organisation's study-task completion up the roll-ups, after commit."""
    tasks.compliance_refresh.delay_on_commit(organization_id=organization_id, years=sorted(set(years)))


def structure_changed(*, organization_id: int, years: Iterable[int]) -> None:
    """A branch's groups changed: re-judge its compliance for those years, after commit (each period
    is judged by the structure it had)."""
    tasks.compliance_refresh.delay_on_commit(organization_id=organization_id, years=sorted(set(years)))
