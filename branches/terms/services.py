"""Writes of 换届: recording an election.

One transaction: the new term and its seats, the end of the term before it, the organisation's term dates, and
the committee roles the access module reads (roles of the old committee that the new one does not hold end,
new ones start; the history stays in the terms and their seats, and every grant and revocation in the audit log).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import COMMITTEE_ROLE_KINDS, Member, MemberStatus, Organization, Role, RoleKind, User
from branches.permissions import forget_roles
from branches.services import organization_update, role_assign, role_revoke
from branches.terms.models import SEAT_KINDS, CommitteeSeat, CommitteeTerm

SINGLE_SEAT_KINDS = {RoleKind.SECRETARY, RoleKind.DEPUTY_SECRETARY, RoleKind.ORGANIZER}


@dataclass(frozen=True)
class Seat:
    member: Member
    kind: str


def term_end(*, elected_on: datetime.date, years: int) -> datetime.date:
    """The day the term ends: the election's day `years` later (28 February for a 29 February)."""
    try:
        return elected_on.replace(year=elected_on.year + years)
    except ValueError:
        return elected_on.replace(year=elected_on.year + years, day=28)


def _validate(*, organization: Organization, elected_on: datetime.date, seats: Sequence[Seat]) -> None:
    errors: dict[str, list[str]] = {}
    if not organization.is_branch:
        errors.setdefault("__all__", []).append(_("只有党支部在此登记换届选举。"))
    if elected_on > timezone.localdate():
        errors.setdefault("elected_on", []).append(_("选举日期不能晚于今天。"))
    latest = CommitteeTerm.objects.filter(organization=organization).order_by("-elected_on").first()
    if latest is not None and elected_on <= latest.elected_on:
        errors.setdefault("elected_on", []).append(
            _("选举日期应晚于上一次换届选举（%(date)s）。") % {"date": latest.elected_on.isoformat()}
        )
    kinds = [seat.kind for seat in seats]
    if kinds.count(RoleKind.SECRETARY) != 1:
        errors.setdefault("secretary", []).append(_("新一届委员会须有且只有一名书记。"))
    for kind in SINGLE_SEAT_KINDS - {RoleKind.SECRETARY}:
        if kinds.count(kind) > 1:
            errors.setdefault("__all__", []).append(_("%(kind)s只能有一名。") % {"kind": RoleKind(kind).label})
    if any(kind not in SEAT_KINDS for kind in kinds):
        errors.setdefault("__all__", []).append(_("职务须是委员会的职务。"))
    member_ids = [seat.member.pk for seat in seats]
    if len(set(member_ids)) != len(member_ids):
        errors.setdefault("__all__", []).append(_("同一名党员只能担任一个职务。"))
    if any(
        seat.member.organization_id != organization.pk or seat.member.status != MemberStatus.ACTIVE for seat in seats
    ):
        errors.setdefault("__all__", []).append(_("委员会成员须是本支部的正常党员。"))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def committee_election_record(
    *,
    organization: Organization,
    elected_on: datetime.date,
    seats: Sequence[Seat],
    recorded_by: User,
    note: str = "",
) -> CommitteeTerm:
    """Record a 换届选举 of a branch and the committee it elected.

    The term lasts `organization.term_years` (3 years, 5 for 村/社区). The current term ends on the election's
    day; the organisation's term dates become the new term's; committee roles (书记, 副书记, 委员 …) held by
    users whom the new committee does not seat in that position are revoked, and the members of the new
    committee who have a login get theirs (from the election's day). Members without a login are on the
    committee all the same (its seats), only without a role in the portal.
    """
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _validate(organization=organization, elected_on=elected_on, seats=seats)
    years = organization.term_years
    CommitteeTerm.objects.filter(organization=organization, ended_on__isnull=True).update(ended_on=elected_on)
    term = CommitteeTerm(
        organization=organization,
        elected_on=elected_on,
        term_years=years,
        ends_on=term_end(elected_on=elected_on, years=years),
        note=note,
        recorded_by=recorded_by,
    )
    term.full_clean()
    term.save()
    order: dict[str, int] = {kind: index for index, kind in enumerate(SEAT_KINDS)}
    CommitteeSeat.objects.bulk_create(
        [
            CommitteeSeat(term=term, member=seat.member, kind=seat.kind)
            for seat in sorted(seats, key=lambda seat: order[seat.kind])
        ]
    )
    organization_update(organization=organization, term_started_on=elected_on, term_ends_on=term.ends_on)

    wanted = {(seat.member.user_id, seat.kind) for seat in seats if seat.member.user_id}
    for role in Role.objects.filter(organization=organization, kind__in=COMMITTEE_ROLE_KINDS).select_related("user"):
        if (role.user_id, role.kind) not in wanted:
            role_revoke(role=role, by=recorded_by)
    users = {user.pk: user for user in User.objects.filter(pk__in={user_id for user_id, _kind in wanted})}
    for user_id, kind in sorted(wanted, key=lambda pair: (order[pair[1]], pair[0])):
        role_assign(user=users[user_id], organization=organization, kind=kind, started_on=elected_on, by=recorded_by)
    forget_roles(recorded_by)
    return term
