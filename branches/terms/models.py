"""换届: the elections of an organisation's committee and the committees they elected.

Source: 中国共产党支部工作条例（试行）2018 第二十二条 (支部委员会每届任期3年，村、社区5年; see branches.models
`term_years`) and DESIGN.md rule O1. Each `CommitteeTerm` is one election and the committee it elected: the date,
the term's length by the organisation's category and its end; each `CommitteeSeat` is one member's position on
that committee. A new election ends the term before it (`ended_on`), so the history of committees is kept; the
organisation's `term_started_on`/`term_ends_on` and the committee roles the access module reads follow the
latest election (branches.terms.services.committee_election_record).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Member, Organization, RoleKind
from portal.models import TimeStampedModel

# The committee positions an election fills (RoleKind's committee kinds), in the order a committee is listed.
SEAT_KINDS = (
    RoleKind.SECRETARY,
    RoleKind.DEPUTY_SECRETARY,
    RoleKind.ORGANIZER,
    RoleKind.PROPAGANDA,
    RoleKind.DISCIPLINE,
    RoleKind.COMMITTEE_MEMBER,
)


class CommitteeTerm(TimeStampedModel):
    """One election (换届选举) and the term of the committee it elected."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="committee_terms"
    )
    elected_on = models.DateField(_("选举日期"))
    term_years = models.PositiveSmallIntegerField(_("任期（年）"))
    ends_on = models.DateField(_("任期届满"))
    ended_on = models.DateField(
        _("实际结束日期"), null=True, blank=True, help_text=_("下一次换届选举的日期；本届为空。")
    )
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("换届选举")
        verbose_name_plural = _("换届选举")
        ordering = ["organization", "-elected_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(ended_on__isnull=True), name="committee_term_one_current"
            ),
            models.UniqueConstraint(fields=["organization", "elected_on"], name="committee_term_one_per_day"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("elected_on")), name="committee_term_ends_after"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.elected_on.isoformat()}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    def overdue_on(self, today: datetime.date) -> bool:
        return self.is_current and self.ends_on < today


class CommitteeSeat(models.Model):
    """One member's position on the committee of a term."""

    term = models.ForeignKey(CommitteeTerm, verbose_name=_("换届选举"), on_delete=models.CASCADE, related_name="seats")
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="committee_seats")
    kind = models.CharField(_("职务"), max_length=30, choices=[(kind.value, kind.label) for kind in SEAT_KINDS])

    class Meta:
        verbose_name = _("委员会成员")
        verbose_name_plural = _("委员会成员")
        ordering = ["term", "pk"]
        constraints = [models.UniqueConstraint(fields=["term", "member"], name="committee_seat_member_once")]

    def __str__(self) -> str:
        return f"{self.term} {self.get_kind_display()} {self.member}"
