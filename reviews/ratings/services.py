"""Writes of 星级评定: the portal's proposals for a subtree (a background job), and the officers' decisions.

A proposal never touches a decision: proposing again (the evidence changed) refreshes the score, the breakdown and
the proposed level, and keeps the confirmed stars and their history. A decision is 定星 (the first, as proposed),
升星 or 降星 (any other, with a reason), each kept as a `BranchRatingChange`.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Organization, User
from portal.jobs.models import Job
from portal.jobs.progress import ProgressReporter
from portal.jobs.registry import JobError, JobOutcome
from portal.jobs.services import job_start
from reviews.ratings.evidence import as_of_for, evidence_for, subtree_branches
from reviews.ratings.models import STAR_LEVELS, BranchRating, BranchRatingChange, RatingRubric, StarAction
from reviews.ratings.scoring import rubric_for, score

RATINGS_PROPOSE = "reviews.ratings_propose"
RATINGS_PROPOSE_TITLE = gettext_lazy("生成星级评定建议")
RATINGS_PROPOSE_STALE_AFTER = datetime.timedelta(minutes=10)
RATINGS_PROPOSE_SOFT_TIME_LIMIT = 10 * 60
PROPOSAL_FIELDS = ["rubric", "score", "proposed_stars", "breakdown", "evidence_as_of", "proposed_at", "updated_at"]


@transaction.atomic
def ratings_propose(
    *, organization: Organization, year: int, today: datetime.date | None = None, progress: ProgressReporter | None
) -> int:
    """Score every branch of `organization`'s subtree for `year` with the rubric in force for it and store the
    proposals (new rows, or the proposal fields of existing ones). A fixed number of queries whatever the size of
    the subtree: the branches, the rubrics, the evidence (reviews.ratings.evidence) and one upsert in batches.
    Returns the number of branches proposed."""
    today = today or timezone.localdate()
    as_of = as_of_for(year, today)
    report = progress or (lambda *args, **kwargs: None)
    branches = subtree_branches(root=organization)
    report(0, 3, _("读取党支部"))
    rubrics = list(RatingRubric.objects.select_related("organization"))
    evidence = evidence_for(root=organization, branches=branches, year=year, as_of=as_of)
    report(1, 3, _("计算得分"))
    now = timezone.now()
    rows: list[BranchRating] = []
    for branch in branches:
        rubric = rubric_for(rubrics, branch, as_of)
        if rubric is None:
            continue
        total, stars, breakdown = score(rubric, evidence[branch.pk], year)
        rows.append(
            BranchRating(
                organization=branch,
                year=year,
                rubric=rubric,
                score=total,
                proposed_stars=stars,
                breakdown=breakdown,
                evidence_as_of=as_of,
                proposed_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    report(2, 3, _("保存建议"))
    # One upsert: a new branch gets its row; an existing row gets the proposal fields and keeps the decision.
    BranchRating.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["organization", "year"],
        update_fields=PROPOSAL_FIELDS,
    )
    report(3, 3)
    return len(rows)


def ratings_propose_start(*, organization: Organization, year: int, by: User) -> Job:
    """Queue the proposals of a subtree and year (sent after commit), or return the same job already live."""
    return job_start(kind=RATINGS_PROPOSE, owner=by, organization=organization, params={"year": year})


def ratings_propose_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    """Runner of `reviews.ratings_propose`: one transaction, so a retry after a dead worker starts clean."""
    organization = (
        Organization.objects.filter(pk=job.organization_id).first() if job.organization_id is not None else None
    )
    if organization is None:
        raise JobError(_("党组织已不存在。"))
    year = int(job.params["year"])
    total = ratings_propose(organization=organization, year=year, progress=progress)
    return JobOutcome(
        message=_("已生成%(year)d年%(n)d个党支部的星级评定建议。") % {"year": year, "n": total},
        result={"year": year, "branches": total},
    )


@transaction.atomic
def rating_decide(*, rating: BranchRating, stars: int, reason: str, by: User) -> BranchRatingChange:
    """Confirm a rating as proposed (定星) or set other stars (升星/降星, a reason required); kept in the history."""
    rating = BranchRating.objects.select_for_update().get(pk=rating.pk)
    reason = (reason or "").strip()
    if stars not in STAR_LEVELS:
        raise ValidationError({"stars": _("请选择一星至五星。")})
    before = rating.stars
    if before == stars:
        raise ValidationError({"stars": _("星级没有变化。")})
    reference = before if before is not None else rating.proposed_stars
    if before is None and stars == rating.proposed_stars:
        action = StarAction.DEFINE
    else:
        if not reason:
            raise ValidationError({"reason": _("与建议星级或已评定星级不同，请填写理由。")})
        action = StarAction.RAISE if stars > reference else StarAction.LOWER
    now = timezone.now()
    rating.stars, rating.decided_by, rating.decided_at = stars, by, now
    rating.full_clean()
    rating.save(update_fields=["stars", "decided_by", "decided_at", "updated_at"])
    change = BranchRatingChange(
        rating=rating,
        action=action,
        stars_before=before,
        stars_after=stars,
        proposed_stars=rating.proposed_stars,
        reason=reason,
        by=by,
    )
    change.full_clean()
    change.save()
    return change
