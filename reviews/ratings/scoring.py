"""How a rubric turns a branch's evidence into a score (no queries): each item gives a share between 0 and 1 of
its weight; the score is the sum of the points, the level the highest threshold it reaches."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from branches.models import Organization
from reviews.ratings.evidence import BranchEvidence
from reviews.ratings.models import RatingItem, RatingRubric

# Rule-periods missed after grace that take away the whole of the item "missed" (each one takes a fifth).
MISSED_FOR_ZERO = 5
ONE_DECIMAL = Decimal("0.1")


def rubric_for(rubrics: list[RatingRubric], organization: Organization, day: datetime.date) -> RatingRubric | None:
    """The version in force on `day` for a branch: of the rubrics covering it (city-wide, or an ancestor
    committee's), the deepest one; of its versions, the latest begun on or before `day`."""
    best: RatingRubric | None = None
    best_key: tuple[int, datetime.date] | None = None
    for rubric in rubrics:
        if rubric.effective_from > day:
            continue
        if rubric.organization_id is not None:
            scope = rubric.organization
            if scope is None or not organization.path.startswith(scope.path):
                continue
            depth = len(scope.path)
        else:
            depth = 0
        key = (depth, rubric.effective_from)
        if best_key is None or key > best_key:
            best, best_key = rubric, key
    return best


def _share(done: int, total: int) -> float:
    return 1.0 if total <= 0 else max(0.0, min(1.0, done / total))


def item_share(code: str, evidence: BranchEvidence, year: int) -> tuple[float, dict[str, Any]]:
    """The share (0–1) of an item's weight a branch earns, and the figures it was judged from."""
    if code == RatingItem.COMPLIANCE:
        closed = evidence.met + evidence.missed
        return _share(evidence.met, closed), {"met": evidence.met, "missed": evidence.missed}
    if code == RatingItem.MISSED:
        return max(0.0, 1 - evidence.missed / MISSED_FOR_ZERO), {"missed": evidence.missed}
    if code == RatingItem.PLAN_FILED:
        deadline = datetime.date(year, 1, 31)
        submitted = evidence.plan_submitted_on
        on_time = submitted is not None and submitted <= deadline
        return (1.0 if on_time else 0.0), {"submitted_on": submitted.isoformat() if submitted else None}
    if code == RatingItem.STUDY:
        return _share(evidence.study_done, evidence.study_due), {
            "due": evidence.study_due,
            "done": evidence.study_done,
        }
    if code == RatingItem.TALKS:
        return _share(evidence.talk_pairs_covered, evidence.talk_pairs_required), {
            "required": evidence.talk_pairs_required,
            "covered": evidence.talk_pairs_covered,
        }
    if code == RatingItem.EVALUATION:
        return (1.0 if evidence.evaluation_done else 0.0), {"done": evidence.evaluation_done}
    if code == RatingItem.PROBLEMS:
        return _share(evidence.problems_on_time, evidence.problems_due), {
            "due": evidence.problems_due,
            "on_time": evidence.problems_on_time,
        }
    if code == RatingItem.STRUCTURE:
        return (0.0 if evidence.structure_warnings else 1.0), {"warnings": evidence.structure_warnings}
    raise ValueError(code)


def score(rubric: RatingRubric, evidence: BranchEvidence, year: int) -> tuple[Decimal, int, list[dict[str, Any]]]:
    """The score (one decimal), the proposed level and the breakdown (one entry per item, in the rubric's order)."""
    breakdown = []
    total = Decimal(0)
    for code, weight in rubric.items.items():
        share, figures = item_share(code, evidence, year)
        points = (Decimal(weight) * Decimal(str(round(share, 4)))).quantize(ONE_DECIMAL, ROUND_HALF_UP)
        total += points
        breakdown.append({"code": code, "weight": weight, "points": str(points), "figures": figures})
    return total, rubric.stars_for(float(total)), breakdown


def figures_text(code: str, figures: dict[str, Any]) -> str:
    """The evidence of one item in words, in the page's language (for the breakdown on pages and in reports)."""
    if code == RatingItem.COMPLIANCE:
        return _("完成%(met)d项，逾期未完成%(missed)d项") % figures
    if code == RatingItem.MISSED:
        return _("宽限期后仍未完成%(missed)d项（每项扣五分之一）") % figures
    if code == RatingItem.PLAN_FILED:
        if figures.get("submitted_on"):
            return _("年度学习计划%(date)s报送并已备案（应在1月31日前）") % {"date": figures["submitted_on"]}
        return _("年度学习计划未报送备案")
    if code == RatingItem.STUDY:
        return _("已到期学习任务%(due)d项，已完成%(done)d项") % figures
    if code == RatingItem.TALKS:
        return _("应谈%(required)d对，已谈%(covered)d对") % figures
    if code == RatingItem.EVALUATION:
        return _("已完成民主评议党员") if figures.get("done") else _("未完成民主评议党员")
    if code == RatingItem.PROBLEMS:
        return _("本年到期问题%(due)d个，按期销号%(on_time)d个") % figures
    if code == RatingItem.STRUCTURE:
        warnings = figures.get("warnings") or []
        return "；".join(warnings) if warnings else _("组织设置符合要求，按期换届")
    return ""
