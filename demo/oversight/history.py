"""A year of 督导检查 and 整改台账 at district scale for `seed_demo --history` (after the hand-made demo story).

For the demo district (东城区委) with T = today:

* a 随机抽查 of the first half-year, drawn by `services.inspection_plan` (stratified, 5 % of the branches, the
  seed from `--seed`), its findings on the two free checklist items written in bulk — about one branch in three
  with a problem on the second item, each turned into a problem of that branch's ledger — and closed;
* a ledger across the district: about one branch in six enters one to three problems (自查, 群众意见, 组织生活会
  对照检查, 规定动作未完成) found over the year, with a deadline 30 to 90 days later; those found long enough ago
  are mostly closed (verified by the district), the rest are open, being rectified or waiting for verification,
  and a share of them past their deadline (overdue);
* every problem's life as `ProblemTransition` rows, dated along the story.

The rows are those the services write (`problem_register`, `problem_start`, `problem_submit`, `problem_verify`,
`findings_record`, `finding_to_problem`), in bulk (a few `bulk_create` in one transaction), with the story's
timestamps; then the problem roll-ups are rebuilt as of T (reviews.oversight.rollups). The demo branch keeps its
hand-made ledger.

Idempotent: a district that already has the history's inspection is left alone. Deterministic for a seed.
"""

from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from branches.models import Organization, OrganizationKind, Role, RoleKind, User
from demo.bulk import story_timestamps
from demo.tree import tables as tree_tables
from reviews.oversight import services
from reviews.oversight.models import (
    FindingResult,
    Inspection,
    InspectionFinding,
    InspectionKind,
    InspectionStatus,
    Problem,
    ProblemSource,
    ProblemState,
    ProblemTransition,
)
from reviews.oversight.rollups import problem_rollups_rebuild

INSPECTORS = "区委组织部督导组（上半年随机抽查）"
FREE_ITEMS = ("党员发展和教育管理台账规范完整", "“三会一课”会议记录真实完整、按时归档")
SAMPLE_SHARE = 0.05
FOUND_SHARE = 0.33
LEDGER_SHARE = 1 / 6
NOTES = (
    "部分月份党小组会记录缺少参会人员签到。",
    "第二季度党员大会记录未写明专题研讨内容。",
    "主题党日活动记录过简，缺少党员发言要点。",
)
PROBLEMS = (
    (ProblemSource.SELF_CHECK, "主题党日活动形式单一，党员参与讨论不充分。"),
    (ProblemSource.MASSES, "群众反映党员志愿服务岗有时无人值守。"),
    (ProblemSource.ORG_LIFE, "组织生活会对照检查：批评和自我批评不够深入。"),
    (ProblemSource.COMPLIANCE, "上季度未按时讲党课。"),
    (ProblemSource.SELF_CHECK, "党员学习心得记录较少，学习笔记不规范。"),
)


Step = tuple[Any, Any, User, datetime.date, str]  # from state, to state, by, day, reason


@dataclass
class OversightHistoryStats:
    branches_inspected: int = 0
    findings: int = 0
    problems: int = 0
    open: int = 0
    overdue: int = 0
    closed: int = 0
    seconds: float = 0.0


def _moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


class _Ledger:
    """The problems and transitions being built, with the story's dates."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.steps: list[list[Step]] = []

    def add(self, problem: Problem, steps: list[Step]) -> None:
        self.problems.append(problem)
        self.steps.append(steps)


def _life(
    problem: Problem,
    *,
    rng: random.Random,
    today: datetime.date,
    rectifier: User,
    verifier: User,
) -> list[Step]:
    """Move the (unsaved) problem along a plausible life up to yesterday; the transitions it went through."""
    yesterday = today - datetime.timedelta(days=1)
    found = problem.found_on
    steps = [("", ProblemState.OPEN, problem.created_by, found, "")]
    age = (yesterday - found).days
    if age < 3:
        return steps
    start = found + datetime.timedelta(days=rng.randint(1, min(age, 10)))
    late = problem.deadline < today
    roll = rng.random()
    # Closed: most problems found long enough ago; some overdue ones are still open.
    if (late and roll < 0.7) or (not late and age > 25 and roll < 0.45):
        submitted_on = min(yesterday, start + datetime.timedelta(days=rng.randint(5, 40)))
        closed_on = min(yesterday, submitted_on + datetime.timedelta(days=rng.randint(1, 10)))
        problem.measures = "支委会专题研究，制定整改措施，明确责任人和时限。"
        problem.evidence = "已按措施整改，相关会议记录和制度文件见组织生活记录。"
        problem.submitted_at = _moment(submitted_on, 15)
        problem.closed_at = _moment(closed_on, 11)
        problem.state = ProblemState.CLOSED
        steps += [
            (ProblemState.OPEN, ProblemState.RECTIFYING, rectifier, start, ""),
            (ProblemState.RECTIFYING, ProblemState.SUBMITTED, rectifier, submitted_on, ""),
            (ProblemState.SUBMITTED, ProblemState.CLOSED, verifier, closed_on, "核验属实，予以销号。"),
        ]
    elif roll < 0.85:
        problem.measures = "排定整改计划，逐项落实。"
        problem.state = ProblemState.RECTIFYING
        steps.append((ProblemState.OPEN, ProblemState.RECTIFYING, rectifier, start, ""))
    elif roll < 0.95 and age > 7:
        submitted_on = min(yesterday, start + datetime.timedelta(days=rng.randint(1, 5)))
        problem.measures = "补齐记录，完善制度。"
        problem.evidence = "已补齐相关记录，见组织生活。"
        problem.submitted_at = _moment(submitted_on, 15)
        problem.state = ProblemState.SUBMITTED
        steps += [
            (ProblemState.OPEN, ProblemState.RECTIFYING, rectifier, start, ""),
            (ProblemState.RECTIFYING, ProblemState.SUBMITTED, rectifier, submitted_on, ""),
        ]
    return steps


def _write(ledger: _Ledger) -> None:
    """The problems and their transitions in bulk, with the story's timestamps."""
    for problem in ledger.problems:
        problem.created_at = problem.updated_at = _moment(problem.found_on, 9)
    at_field = ProblemTransition._meta.get_field("at")
    with story_timestamps(Problem):
        Problem.objects.bulk_create(ledger.problems, batch_size=1000)
    at_field.auto_now_add = False
    try:
        ProblemTransition.objects.bulk_create(
            [
                ProblemTransition(
                    problem=problem,
                    from_state=from_state,
                    to_state=to_state,
                    by=by,
                    at=_moment(day, 9 + index),
                    reason=reason,
                )
                for problem, steps in zip(ledger.problems, ledger.steps, strict=True)
                for index, (from_state, to_state, by, day, reason) in enumerate(steps)
            ],
            batch_size=2000,
        )
    finally:
        at_field.auto_now_add = True


def oversight_history_generate(
    *, seed: int, today: datetime.date, district: Organization | None = None, officer: User | None = None
) -> OversightHistoryStats:
    """A district's half-year 随机抽查 and its year of problems, in bulk; then the roll-ups rebuilt. By default the
    demo district (东城区委) with its officer `district`; the benchmarks pass another district and officer."""
    started = time.monotonic()
    stats = OversightHistoryStats()
    district = district or Organization.objects.filter(code=tree_tables.DEMO_DISTRICT_CODE).first()
    officer = officer or User.objects.filter(username="district").first()
    if district is None or officer is None or Inspection.objects.filter(inspectors=INSPECTORS).exists():
        return stats
    rng = random.Random(f"oversight-history:{seed}")  # noqa: S311 - demo data
    year_start = datetime.date(today.year, 1, 1)
    half_year = min(datetime.date(today.year, 6, 30), today - datetime.timedelta(days=1))
    if half_year <= year_start:
        return stats
    branches = list(
        Organization.objects.filter(path__startswith=district.path, kind=OrganizationKind.BRANCH)
        .exclude(code=tree_tables.DEMO_BRANCH_CODE)
        .order_by("path")
        .only("pk", "path", "name")
    )
    secretaries = dict(
        Role.objects.filter(organization__in=branches, kind=RoleKind.SECRETARY)
        .order_by("organization_id", "pk")
        .values_list("organization_id", "user")
    )
    users = {user.pk: user for user in User.objects.filter(pk__in=set(secretaries.values()))}
    with transaction.atomic():
        inspection = services.inspection_plan(
            organization=district,
            plan=services.InspectionPlan(
                kind=InspectionKind.RANDOM,
                period_start=year_start,
                period_end=half_year,
                inspectors=INSPECTORS,
                free_items=FREE_ITEMS,
                sample_size=max(1, round(len(branches) * SAMPLE_SHARE)),
                stratified=True,
            ),
            created_by=officer,
            today=today,
            seed=seed,
        )
        rows = list(inspection.branches.select_related("branch").order_by("branch__path"))
        findings = []
        for row in rows:
            found = rng.random() < FOUND_SHARE
            findings.append(
                InspectionFinding(
                    inspection_branch=row,
                    item_key="item:1",
                    item_title=FREE_ITEMS[0],
                    result=FindingResult.PASSED,
                    recorded_by=officer,
                )
            )
            findings.append(
                InspectionFinding(
                    inspection_branch=row,
                    item_key="item:2",
                    item_title=FREE_ITEMS[1],
                    result=FindingResult.PROBLEM if found else FindingResult.PASSED,
                    note=rng.choice(NOTES) if found else "",
                    recorded_by=officer,
                )
            )
        InspectionFinding.objects.bulk_create(findings, batch_size=1000)
        stats.branches_inspected, stats.findings = len(rows), len(findings)
        inspected_on = min(half_year + datetime.timedelta(days=1), today - datetime.timedelta(days=1))
        ledger = _Ledger()
        for finding in findings:
            if finding.result != FindingResult.PROBLEM:
                continue
            branch = finding.inspection_branch.branch
            rectifier = users.get(secretaries.get(branch.pk, 0), officer)
            problem = Problem(
                organization=branch,
                source=ProblemSource.INSPECTION,
                description=f"{finding.item_title}：{finding.note}",
                responsible="支部书记",
                deadline=inspected_on + datetime.timedelta(days=30),
                found_on=inspected_on,
                finding=finding,
                created_by=officer,
            )
            ledger.add(problem, _life(problem, rng=rng, today=today, rectifier=rectifier, verifier=officer))
        days = max(1, (today - year_start).days)
        for branch in branches:
            if rng.random() >= LEDGER_SHARE:
                continue
            rectifier = users.get(secretaries.get(branch.pk, 0), officer)
            for _n in range(rng.randint(1, 3)):
                source, description = rng.choice(PROBLEMS)
                found_on = year_start + datetime.timedelta(days=rng.randrange(days))
                problem = Problem(
                    organization=branch,
                    source=source,
                    description=description,
                    responsible="支部书记",
                    deadline=found_on + datetime.timedelta(days=rng.choice((30, 45, 60, 90))),
                    found_on=found_on,
                    created_by=rectifier,
                )
                ledger.add(problem, _life(problem, rng=rng, today=today, rectifier=rectifier, verifier=officer))
        _write(ledger)
        Inspection.objects.filter(pk=inspection.pk).update(
            status=InspectionStatus.CLOSED, closed_at=_moment(inspected_on, 17)
        )
        problem_rollups_rebuild(today=today)
    for problem in ledger.problems:
        if problem.state == ProblemState.CLOSED:
            stats.closed += 1
        else:
            stats.open += 1
            stats.overdue += problem.deadline < today
    stats.problems = len(ledger.problems)
    stats.seconds = time.monotonic() - started
    return stats
