"""换届 and 重点约谈 demo data for `manage.py seed_demo`.

The story, with T = today: the demo branch (login `secretary`) has its election history, three committees of
three years each, the current one being its committee of today (from its committee roles). Branches number 1 and 2
of the demo tree (in 东城区委, login `district`) have a term due: one ends in 45 days, one ended 20 days ago without
a new election, so both show on the officers' page 换届提醒 and get their reminders. `committee` has held a
重点约谈 with the demo branch's secretary about the overdue problems of its ledger (demo.oversight writes them:
this runs after it).

Through the services, in one transaction. Idempotent: a demo branch with an election history is left alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction

from branches.models import COMMITTEE_ROLE_KINDS, Member, MemberStatus, Organization, Role, RoleKind, User
from branches.terms import services as term_services
from branches.terms.models import CommitteeTerm
from demo.tree import tables as tree_tables
from demo.tree.builder import demo_plan
from demo.tree.plan import add_years
from reviews.oversight import services as oversight_services
from reviews.oversight.models import Problem, ProblemState

DUE_IN_DAYS = 45
OVERDUE_DAYS = 20
DEMO_COMMITTEE_CODE = "BJ-DC-EDU"


@dataclass
class TermsDemoResult:
    elections_created: int = 0
    interviews_created: int = 0


def _current_committee(branch: Organization) -> list[term_services.Seat]:
    """The branch's committee of today, from its committee roles (members with a login); a first active member
    as 书记 when no one holds the role."""
    seats = []
    roles = Role.objects.filter(organization=branch, kind__in=COMMITTEE_ROLE_KINDS).order_by("pk")
    members = {
        m.user_id: m for m in Member.objects.filter(organization=branch, status=MemberStatus.ACTIVE, user__isnull=False)
    }
    taken: set[int] = set()
    for role in roles:
        member = members.get(role.user_id)
        if member is not None and member.pk not in taken:
            seats.append(term_services.Seat(member=member, kind=role.kind))
            taken.add(member.pk)
    if not any(seat.kind == RoleKind.SECRETARY for seat in seats):
        first = Member.objects.filter(organization=branch, status=MemberStatus.ACTIVE).exclude(pk__in=taken).first()
        if first is not None:
            seats.insert(0, term_services.Seat(member=first, kind=RoleKind.SECRETARY))
    return seats


def _past_committee(branch: Organization, offset: int) -> list[term_services.Seat]:
    members = list(
        Member.objects.filter(organization=branch, status=MemberStatus.ACTIVE).order_by("pk")[offset : offset + 3]
    )
    kinds = (RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.PROPAGANDA)
    return [term_services.Seat(member=member, kind=kind) for member, kind in zip(members, kinds, strict=False)]


def terms_demo_seed(*, seed: int, today: datetime.date) -> TermsDemoResult:
    """The demo branch's election history, two branches with a term due (one overdue), and one 重点约谈."""
    result = TermsDemoResult()
    branch = Organization.objects.filter(code=tree_tables.DEMO_BRANCH_CODE).first()
    committee = Organization.objects.filter(code=DEMO_COMMITTEE_CODE).first()
    officer = User.objects.filter(username="committee").first()
    if (
        branch is None
        or committee is None
        or officer is None
        or CommitteeTerm.objects.filter(organization=branch).exists()
    ):
        return result
    with transaction.atomic():
        current = _current_committee(branch)  # before the past elections change the roles it is read from
        started = branch.term_started_on or add_years(today, -1)
        years = branch.term_years
        for offset, elected_on in ((6, add_years(started, -2 * years)), (3, add_years(started, -years))):
            seats = _past_committee(branch, offset)
            if seats:
                term_services.committee_election_record(
                    organization=branch,
                    elected_on=elected_on,
                    seats=seats,
                    recorded_by=officer,
                    note="演示：往届委员会",
                )
                result.elections_created += 1
        term_services.committee_election_record(
            organization=branch,
            elected_on=started,
            seats=current,
            recorded_by=officer,
            note="支部党员大会选举产生，已报基层党委批复。",
        )
        result.elections_created += 1

        # Branches number 1 and 2 of the demo tree (东城区委 too): the same branches however many the tree has, so
        # that a grown tree and a fresh one of the same size hold the same data.
        codes = [plan.code for plan in demo_plan(branches=3, seed=seed, today=today).branches[1:3]]
        others = list(Organization.objects.filter(code__in=codes).order_by("code"))
        others.sort(key=lambda o: codes.index(o.code))
        for other, ends_on in zip(
            others,
            (today + datetime.timedelta(days=DUE_IN_DAYS), today - datetime.timedelta(days=OVERDUE_DAYS)),
            strict=False,
        ):
            if CommitteeTerm.objects.filter(organization=other).exists():
                continue
            seats = _current_committee(other)
            if seats:
                term_services.committee_election_record(
                    organization=other,
                    elected_on=add_years(ends_on, -other.term_years),
                    seats=seats,
                    recorded_by=officer,
                )
                result.elections_created += 1

        secretary = Member.objects.filter(user__username="secretary", organization=branch).first()
        if secretary is not None:
            problems = list(
                Problem.objects.filter(organization=branch, deadline__lt=today).exclude(state=ProblemState.CLOSED)
            )
            oversight_services.interview_record(
                organization=branch,
                committee=committee,
                interviewers="赵丽华（基层党委组织委员）、刘明（基层党委纪委书记）",
                interviewee=secretary,
                held_on=today - datetime.timedelta(days=3),
                subject="整改台账中有问题逾期未整改，主题党日活动形式单一。",
                outcome="书记说明了原因，表态两周内完成整改并在支委会上专题研究；基层党委一个月后回访。",
                problems=problems,
                recorded_by=officer,
            )
            result.interviews_created = 1
    return result
