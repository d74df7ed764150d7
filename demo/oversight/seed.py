"""督导检查 and 整改台账 demo data for `manage.py seed_demo` (seed §三: 巡回检查、专项督查、随机抽查).

The story, with T = today: the demo district (东城区委, login `district`) has drawn a 随机抽查 of its branches this
year (stratified by category, leaving out branches inspected in the last 6 months; the seed comes from
`--seed`), recorded its findings on two free checklist items, turned each problem found into a problem of the
branch's ledger and closed the inspection. The demo branch's ledger (login `secretary`) holds a problem of every
state: one open and overdue (自查), one being rectified (群众意见), one submitted and waiting for `committee` to
verify it (组织生活会对照检查), one verified and closed (规定动作未完成), and one personal problem about `member`.

Through the services, in one transaction. Idempotent: a district with an inspection is left alone.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.db import transaction

from branches.models import Member, Organization, User
from demo.tree import tables as tree_tables
from reviews.oversight import services
from reviews.oversight.models import FindingResult, Inspection, InspectionKind, ProblemSource

SAMPLE_SIZE = 5
FREE_ITEMS = ("党员教育管理台账规范完整", "“三会一课”会议记录真实完整")
NOTE = "10月、11月党小组会记录缺少参会人员签到，学习内容记录过简。"


@dataclass
class OversightDemoResult:
    inspections_created: int = 0
    branches_inspected: int = 0
    problems_created: int = 0
    seconds: float = 0.0


def _branch_ledger(*, branch: Organization, secretary: User, verifier: User, today: datetime.date) -> int:
    day = datetime.timedelta(days=1)

    def register(source: str, description: str, deadline: datetime.date, **extra):
        return services.problem_register(
            organization=branch,
            source=source,
            description=description,
            responsible="王书记",
            measures=extra.pop("measures", ""),
            deadline=deadline,
            created_by=secretary,
            found_on=today - 60 * day,
            **extra,
        )

    register(ProblemSource.SELF_CHECK, "主题党日活动形式单一，党员参与讨论不充分。", today - 10 * day)
    rectifying = register(ProblemSource.MASSES, "群众反映党员志愿服务岗有时无人值守。", today + 20 * day)
    services.problem_start(problem=rectifying, by=secretary, measures="排定党员先锋岗值守表，每周公示。")
    submitted = register(ProblemSource.ORG_LIFE, "组织生活会对照检查：批评和自我批评辣味不足。", today + 5 * day)
    services.problem_submit(
        problem=submitted,
        by=secretary,
        measures="支委会专题研究，会前逐一谈心谈话，明确问题清单。",
        evidence="已于本月支委会专题研究（见组织生活中的支委会记录），谈心谈话覆盖全体党员。",
    )
    closed = register(ProblemSource.COMPLIANCE, "第二季度未按时讲党课。", today - 30 * day)
    services.problem_submit(
        problem=closed, by=secretary, measures="补讲党课并排定季度党课计划。", evidence="已于7月补讲党课，见会议记录。"
    )
    services.problem_verify(problem=closed, by=verifier, note="核验属实，予以销号。")
    member = Member.objects.filter(user__username="member").first()
    if member is not None and member.organization_id == branch.pk:
        register(
            ProblemSource.SELF_CHECK,
            "参加党小组学习不够经常，学习心得记录较少。",
            today + 30 * day,
            member=member,
        )
        return 5
    return 4


def oversight_demo_seed(*, seed: int, today: datetime.date) -> OversightDemoResult:
    """This year's 随机抽查 of the demo district, closed with its problems, and the demo branch's ledger."""
    started = time.monotonic()
    result = OversightDemoResult()
    district = Organization.objects.filter(code=tree_tables.DEMO_DISTRICT_CODE).first()
    officer = User.objects.filter(username="district").first()
    verifier = User.objects.filter(username="committee").first() or officer
    secretary = User.objects.filter(username="secretary").first()
    if district is None or officer is None or Inspection.objects.filter(organization=district).exists():
        return result
    with transaction.atomic():
        inspection = services.inspection_plan(
            organization=district,
            plan=services.InspectionPlan(
                kind=InspectionKind.RANDOM,
                period_start=datetime.date(today.year, 1, 1),
                period_end=today,
                inspectors="区委组织部督导组",
                free_items=FREE_ITEMS,
                sample_size=SAMPLE_SIZE,
                stratified=True,
                exclude_months=6,
            ),
            created_by=officer,
            today=today,
            seed=seed,
        )
        result.inspections_created = 1
        rows = list(inspection.branches.select_related("branch").order_by("branch__path"))
        result.branches_inspected = len(rows)
        for index, row in enumerate(rows):
            found = index < 2
            findings = services.findings_record(
                inspection_branch=row,
                entries=[
                    services.FindingEntry("item:1", FREE_ITEMS[0], FindingResult.PASSED),
                    services.FindingEntry(
                        "item:2", FREE_ITEMS[1], FindingResult.PROBLEM if found else FindingResult.PASSED, NOTE
                    ),
                ],
                recorded_by=officer,
            )
            if found:
                services.finding_to_problem(
                    finding=findings[1],
                    responsible="支部书记",
                    deadline=today + datetime.timedelta(days=30),
                    created_by=officer,
                )
                result.problems_created += 1
        services.inspection_close(inspection=inspection, by=officer)
        branch = Organization.objects.filter(code=tree_tables.DEMO_BRANCH_CODE).first()
        if branch is not None and secretary is not None and verifier is not None:
            result.problems_created += _branch_ledger(
                branch=branch, secretary=secretary, verifier=verifier, today=today
            )
    result.seconds = time.monotonic() - started
    return result
