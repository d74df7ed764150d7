"""Reads of 星级评定 for pages and the yearly report: each a fixed number of queries, whatever the subtree's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.db.models.functions import Substr

from branches.models import Organization, OrganizationKind, User
from reviews.ratings.models import STAR_LEVELS, BranchRating, BranchRatingChange, RatingItem, star_label
from reviews.ratings.permissions import ratings_visible_to
from reviews.ratings.scoring import figures_text

WAITING_PAGE_SIZE = 50


@dataclass
class Distribution:
    """Ratings of a part of the tree for a year: branches, confirmed per level, proposals waiting."""

    organization: Organization | None
    branches: int = 0
    by_stars: list[int] = field(default_factory=lambda: [0 for _ in STAR_LEVELS])
    waiting: int = 0

    @property
    def confirmed(self) -> int:
        return sum(self.by_stars)

    @property
    def unrated(self) -> int:
        return max(0, self.branches - self.confirmed - self.waiting)

    def add(self, other: Distribution) -> None:
        self.branches += other.branches
        self.waiting += other.waiting
        self.by_stars = [a + b for a, b in zip(self.by_stars, other.by_stars, strict=True)]


@dataclass
class SubtreeRatings:
    organization: Organization
    year: int
    children: list[Distribution]
    total: Distribution
    waiting: Page

    @property
    def levels(self) -> list[tuple[int, str]]:
        return [(level, star_label(level)) for level in STAR_LEVELS]


def _distribution(
    *, organization: Organization, year: int, children: list[Organization] | None = None
) -> tuple[list[Distribution], Distribution]:
    """Per child of `organization` (a branch child counts itself): branches, confirmed per level, waiting. One
    query (the branches of the subtree joined to their rating of the year), and one more for the children unless
    the caller has them."""
    child_length = len(organization.path) + Organization.STEP
    if children is None:
        children = list(Organization.objects.filter(parent=organization).order_by("kind", "path"))
    of_year = Q(ratings__year=year)
    counts: dict[str, dict[str, Any]] = {
        row["child"]: dict(row)
        for row in Organization.objects.filter(path__startswith=organization.path, kind=OrganizationKind.BRANCH)
        .annotate(child=Substr("path", 1, child_length))
        .values("child")
        .annotate(
            branches=Count("pk", distinct=True),
            waiting=Count("ratings", filter=of_year & Q(ratings__stars__isnull=True)),
            **{f"stars_{level}": Count("ratings", filter=of_year & Q(ratings__stars=level)) for level in STAR_LEVELS},
        )
        .order_by()
    }
    rows = []
    for child in children:
        row: dict[str, Any] = counts.get(child.path, {})
        rows.append(
            Distribution(
                organization=child,
                branches=row.get("branches", 0),
                by_stars=[row.get(f"stars_{level}", 0) for level in STAR_LEVELS],
                waiting=row.get("waiting", 0),
            )
        )
    total = Distribution(organization=organization)
    for distribution in rows:
        total.add(distribution)
    return rows, total


def subtree_ratings(*, organization: Organization, year: int, page_number: Any = 1) -> SubtreeRatings:
    """The officers page: distribution per child, and one page of the proposals waiting. Four queries."""
    children, total = _distribution(organization=organization, year=year)
    waiting = (
        BranchRating.objects.filter(organization__path__startswith=organization.path, year=year, stars__isnull=True)
        .select_related("organization")
        .order_by("organization__path")
    )
    page = Paginator(waiting, WAITING_PAGE_SIZE).get_page(page_number)
    return SubtreeRatings(organization=organization, year=year, children=children, total=total, waiting=page)


@dataclass
class BreakdownRow:
    code: str
    title: str
    weight: int
    points: str
    evidence: str


def breakdown_rows(rating: BranchRating) -> list[BreakdownRow]:
    """The stored breakdown in words, in the page's language (no queries)."""
    labels = dict(RatingItem.choices)
    return [
        BreakdownRow(
            code=entry["code"],
            title=str(labels.get(entry["code"], entry["code"])),
            weight=entry["weight"],
            points=entry["points"],
            evidence=figures_text(entry["code"], entry.get("figures", {})),
        )
        for entry in rating.breakdown
    ]


def rating_get(*, user: User, pk: int) -> BranchRating:
    """A rating in the user's scope, with its branch, parent and rubric; DoesNotExist otherwise. One query."""
    return ratings_visible_to(user).select_related("organization__parent", "rubric", "decided_by").get(pk=pk)


def rating_changes(*, rating: BranchRating) -> list[BranchRatingChange]:
    """A rating's history, newest first. One query."""
    return list(rating.changes.select_related("by").order_by("-at", "-pk"))


def branch_latest_rating(*, user: User, organization: Organization) -> BranchRating | None:
    """The branch's most recent rating in the user's scope, with its history attached. Two queries at most."""
    rating = (
        ratings_visible_to(user)
        .filter(organization=organization)
        .select_related("organization__parent", "rubric", "decided_by")
        .order_by("-year")
        .first()
    )
    if rating is not None:
        rating.history = rating_changes(rating=rating)  # type: ignore[attr-defined]
    return rating


@dataclass
class ReportRatings:
    """The yearly report's 星级评定 section: a branch's own rating, or a subtree's distribution per child."""

    year: int
    rating: BranchRating | None = None
    children: list[Distribution] = field(default_factory=list)
    total: Distribution | None = None

    @property
    def levels(self) -> list[tuple[int, str]]:
        return [(level, star_label(level)) for level in STAR_LEVELS]

    @property
    def breakdown(self) -> list[BreakdownRow]:
        return breakdown_rows(self.rating) if self.rating is not None else []

    @property
    def has_data(self) -> bool:
        if self.rating is not None:
            return True
        return self.total is not None and (self.total.confirmed + self.total.waiting) > 0


def report_ratings(*, organization: Organization, year: int, children: list[Organization]) -> ReportRatings:
    """A branch: its rating of the year. A committee: the distribution per child (`children`, which the report
    already read). One query."""
    if organization.is_branch:
        rating = BranchRating.objects.filter(organization=organization, year=year).select_related("rubric").first()
        return ReportRatings(year=year, rating=rating)
    rows, total = _distribution(organization=organization, year=year, children=children)
    return ReportRatings(year=year, children=rows, total=total)
