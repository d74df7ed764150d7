"""软弱涣散党支部 demo data for `manage.py seed_demo` (seed §二.4 “持续整顿软弱涣散党支部”).

The story, with T = today: two branches of the demo district (东城区委, login `district`), other than the demo
branch, have each left a problem of their ledger overdue for over a month. This month's run suggested both; the
district confirmed the first as 软弱涣散 and drew up its rectification plan (包联: `district`), with three measures,
the first done and reported; the second waits on the officers' page for a decision.

Through the services, in one transaction. Idempotent: a demo district with a suggestion is left alone.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.db import transaction

from branches.models import Organization, OrganizationKind, User
from demo.tree import tables as tree_tables
from reviews.oversight import services as oversight_services
from reviews.oversight.models import ProblemSource
from reviews.weak_branches import services
from reviews.weak_branches.models import WeakSuggestion

PROBLEMS = ("党员发展工作停滞两年，入党积极分子培养无人负责。", "支部委员会连续三个月未召开，“三会一课”台账缺失。")
MEASURES = (
    ("调整充实支部委员会，配强支部书记", 20),
    ("补齐“三会一课”台账，恢复每月主题党日", 60),
    ("制定党员发展计划，确定培养联系人", 120),
)


@dataclass
class WeakBranchesDemoResult:
    suggestions_created: int = 0
    plans_created: int = 0
    seconds: float = 0.0


def weak_branches_demo_seed(*, today: datetime.date) -> WeakBranchesDemoResult:
    """Two suggested branches in the demo district: one confirmed with a plan in progress, one waiting."""
    started = time.monotonic()
    result = WeakBranchesDemoResult()
    district = Organization.objects.filter(code=tree_tables.DEMO_DISTRICT_CODE).first()
    officer = User.objects.filter(username="district").first()
    if district is None or officer is None:
        return result
    if WeakSuggestion.objects.filter(branch__path__startswith=district.path).exists():
        return result
    branches = list(
        Organization.objects.filter(path__startswith=district.path, kind=OrganizationKind.BRANCH, is_weak=False)
        .exclude(code=tree_tables.DEMO_BRANCH_CODE)
        .order_by("path")[:2]
    )
    if len(branches) < 2:
        return result
    day = datetime.timedelta(days=1)
    with transaction.atomic():
        for branch, description in zip(branches, PROBLEMS, strict=True):
            oversight_services.problem_register(
                organization=branch,
                source=ProblemSource.SELF_CHECK,
                description=description,
                responsible="支部书记",
                deadline=today - 40 * day,
                found_on=today - 100 * day,
                created_by=officer,
            )
        result.suggestions_created = services.weak_suggestions_compute(
            organization_ids=[branch.pk for branch in branches], today=today
        )
        first = WeakSuggestion.objects.get(branch=branches[0], month=today.replace(day=1))
        services.weak_branch_confirm(suggestion=first, by=officer, reason="区委组织部研究，列入软弱涣散党支部整顿。")
        plan = services.rectification_plan_create(
            branch=branches[0],
            responsible=officer,
            goal="三个月内配齐配强支部班子，恢复正常组织生活，年底前验收摘帽。",
            by=officer,
            measures=[(title, today + days * day) for title, days in MEASURES],
        )
        result.plans_created = 1
        services.rectification_update_add(
            plan=plan,
            by=officer,
            text="经上级党组织研究，已选派优秀年轻党员任支部书记，支委会完成补选。",
            measure=plan.measures.order_by("due_on").first(),
            measure_done=True,
        )
    result.seconds = time.monotonic() - started
    return result
