"""述职评议考核 demo data for `manage.py seed_demo` (seed §三: 各级党组织书记抓基层党建述职评议考核).

The story, with Y = today's year: the demo committee (东城区教育系统党委, login `committee`) has opened Y's round,
due on 31 January of Y+1, with `member` named as a representative. The 书记 of a few of its units (党总支 and
党支部) have submitted their reports (figures taken from the portal's records, prose from the texts below); the
committee has graded four and concluded two; `member` has graded none, so the walkthrough can. The demo branch's
report (login `secretary`) is a draft with its figures taken and 履职情况 begun. Only units whose 书记 has a login
write: at the default size (`--branches 40`) the committee has just the 第一中学党总支 (no 书记 login of its own)
and the demo branch, so only the demo branch's draft is there; from a few hundred branches up (`--branches 400`,
`--branches 9000`) the other schools' branches report too, submitted, graded and two concluded.

Through the services (a few dozen units at most), in one transaction. Idempotent: a committee with a round for the
year is left alone.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.db import transaction

from branches.models import Organization, Role, RoleKind, User
from demo.tree import tables as tree_tables
from reviews.duty_reports import services
from reviews.duty_reports.models import DutyReport, DutyReportRound

DEMO_COMMITTEE_CODE = "BJ-DC-EDU"
SUBMITTED_UNITS = 6
ASSESSED_UNITS = 4
CONCLUDED_UNITS = 2
PERFORMANCE = (
    "认真履行抓党建第一责任人职责，按计划组织“三会一课”和主题党日，带头讲党课，推动“两学一做”学习教育"
    "常态化制度化；年度学习计划按时备案，组织党员完成学习任务。"
)
PROBLEMS = "学习形式还比较单一，联系业务工作不够紧密；个别党员参加组织生活不够经常，补学跟进不够及时。"
PLANS = "丰富学习形式，开展专题研讨；落实谈心谈话全覆盖，对请假党员及时安排补学；按时召开组织生活会。"
GRADES = ("good", "fairly_good", "good", "average")


@dataclass
class DutyReportsDemoResult:
    rounds_created: int = 0
    reports_submitted: int = 0
    assessments_created: int = 0
    reminders_sent: int = 0
    seconds: float = 0.0


def duty_reports_demo_seed(*, today: datetime.date) -> DutyReportsDemoResult:
    """This year's round of the demo committee, part way through."""
    started = time.monotonic()
    result = DutyReportsDemoResult()
    committee = Organization.objects.filter(code=DEMO_COMMITTEE_CODE).first()
    officer = User.objects.filter(username="committee").first()
    if (
        committee is None
        or officer is None
        or DutyReportRound.objects.filter(committee=committee, year=today.year).exists()
    ):
        return result
    representatives = list(User.objects.filter(username="member"))
    with transaction.atomic():
        duty_round = services.duty_round_open(
            committee=committee,
            year=today.year,
            due_on=datetime.date(today.year + 1, 1, 31),
            opened_by=officer,
            representatives=representatives,
        )
        result.rounds_created = 1
        reports = list(
            DutyReport.objects.filter(round=duty_round).select_related("organization").order_by("organization__code")
        )
        authors = dict(
            Role.objects.filter(organization__in=[r.organization_id for r in reports], kind=RoleKind.SECRETARY)
            .order_by("pk")
            .values_list("organization_id", "user_id")
        )
        users = User.objects.in_bulk(set(authors.values()))
        demo_branch = next((r for r in reports if r.organization.code == tree_tables.DEMO_BRANCH_CODE), None)
        others = [r for r in reports if r is not demo_branch and r.organization_id in authors][:SUBMITTED_UNITS]
        for index, report in enumerate(others):
            services.duty_report_save(
                report=report,
                author=users[authors[report.organization_id]],
                performance=PERFORMANCE,
                problems=PROBLEMS,
                plans=PLANS,
                submit=True,
                today=today,
            )
            result.reports_submitted += 1
            if index < ASSESSED_UNITS:
                grade = GRADES[index % len(GRADES)]
                services.duty_assessment_save(
                    report=report, assessor=officer, grade=grade, comment="履职认真，学习教育组织到位。"
                )
                result.assessments_created += 1
            if index < CONCLUDED_UNITS and len(others) > CONCLUDED_UNITS:  # leave some open for `member` to grade
                services.duty_report_conclude(
                    report=report,
                    concluded_by=officer,
                    grade=GRADES[index % len(GRADES)],
                    conclusion="党委会议研究，综合评议意见和平台记录的全年工作情况，评定如上。",
                )
        if demo_branch is not None and demo_branch.organization_id in authors:
            services.duty_report_save(
                report=demo_branch,
                author=users[authors[demo_branch.organization_id]],
                performance=PERFORMANCE[:40],
                problems="",
                plans="",
                today=today,
            )
        # `member` finds the reports waiting for their grade in the inbox.
        result.reminders_sent = services.duty_round_remind(duty_round=duty_round, today=today)
    result.seconds = time.monotonic() - started
    return result
