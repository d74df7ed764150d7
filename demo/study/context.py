"""What the study demo's plan and task writers share: the branches and members they load, the items and plan
rows they build, and the dated moments and 心得 they use."""

from __future__ import annotations

import calendar
import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from branches.models import (
    Organization,
)
from demo.study.tables import INSIGHTS, INTENTIONS, OPENINGS, WORK_NOTES
from study.models import (
    Audience,
    StudyMaterial,
    StudyPlan,
    StudyPlanItem,
)
from study.plans import services as services


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of a local (Asia/Shanghai) day."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone())


def _moment(rng: random.Random, low: datetime.datetime, high: datetime.datetime) -> datetime.datetime:
    """A plausible moment (07:00–22:59 local) between low and high (local moments made by `_at`)."""
    if high <= low:
        return low
    moment = (low + (high - low) * rng.random()).replace(second=0, microsecond=0)
    if moment.hour < 7:
        moment = moment.replace(hour=rng.randint(7, 9))
    return min(max(moment, low), high)


def _reflection(rng: random.Random, *, keyword: str, category: str) -> str:
    parts = [rng.choice(OPENINGS).format(k=keyword), rng.choice(INSIGHTS), rng.choice(INTENTIONS)]
    if category in WORK_NOTES and rng.random() < 0.3:
        parts.append(WORK_NOTES[category])
    return "".join(parts)


@dataclass(frozen=True)
class _Item:
    """A plan item as a branch's plan gets it (from the template, or the branch's own)."""

    month: int
    topic: str
    form: str
    audience: str
    due_date: datetime.date
    hours: Decimal
    material_ids: tuple[int, ...]
    keyword: str
    own: bool = False


@dataclass(frozen=True)
class _Member:
    pk: int
    is_leading_cadre: bool
    is_probationary: bool
    digest: str
    username: str | None
    started_on: datetime.date | None

    def addressed_by(self, item: _Item) -> bool:
        if item.audience == Audience.LEADING_CADRES:
            return self.is_leading_cadre
        if item.audience == Audience.PROBATIONARY:
            return self.is_probationary
        return item.audience == Audience.ALL


@dataclass
class _Branch:
    pk: int
    code: str
    path: str
    category: str
    is_weak: bool
    members: list[_Member] = field(default_factory=list)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.split("/") if part][:-1]


@dataclass
class _Context:
    seed: int
    today: datetime.date
    year: int
    district: Organization
    template: StudyPlan
    template_items: list[StudyPlanItem]
    material_paths: dict[int, str]
    materials: dict[str, StudyMaterial]
    officers: dict[int, list[int]]  # organisation → officer and administrator users
    managers: dict[int, int]  # branch → the user who drafts and submits its plan
    result: StudyDemoResult

    @property
    def template_published_at(self) -> datetime.datetime:
        return template_published_at(self.year)

    @property
    def story_end(self) -> datetime.datetime:
        """Nothing in the story happens after 08:00 on `today`."""
        return _at(self.today, 8)

    def officer_above(self, branch: _Branch) -> int | None:
        """The officer who files: at the nearest committee above that has officers (as study.plans.services)."""
        for organization_id in reversed(branch.ancestor_ids):
            if organization_id in self.officers:
                return self.officers[organization_id][0]
        return None


@dataclass
class _PlanRows:
    branch: _Branch
    state: str
    plan: StudyPlan
    items: list[_Item]
    history: list[tuple[str, str, int | None, datetime.datetime, str]]  # from, to, by, at, comment
    rng: random.Random
    item_rows: list[StudyPlanItem] = field(default_factory=list)


@dataclass
class StudyDemoResult:
    year: int
    materials_created: int = 0
    templates_created: int = 0
    plans_created: int = 0
    tasks_created: int = 0
    cadre_plans_created: int = 0
    reminders_sent: int = 0
    seconds: float = 0.0


def template_published_at(year: int) -> datetime.datetime:
    """When 东城区委 published the year's template: 15 December of the year before, 10:00."""
    return _at(datetime.date(year - 1, 12, 15), 10)
