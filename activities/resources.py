"""The admin's annual exports of organisational life (branches/exports): meetings, attendance, talks, commitments,
党费 payments.

Talks go out without what was said (the summary is for the two members and the branch secretary only,
`activities.permissions.can_read_talk_summary`); attendance carries the member's ID number, masked unless the
exporting user may see it in full.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from activities.models import Attendance, Commitment, DuesPayment, HeartTalk, Meeting
from activities.permissions import dues_payments_visible_to, meetings_visible_to, talks_visible_to
from branches.exports.resources import AnnualExportResource, column, verbose
from branches.models import User
from branches.permissions import members_visible_to

ORGANIZATION = _("党组织")


class MeetingExportResource(AnnualExportResource):
    title = _("三会一课")
    year_lookup = "held_on__year"
    select_related = ("organization", "group", "host", "lecturer")
    ordering = ("organization__path", "held_on", "starts_at", "pk")

    organization = column("organization__name", ORGANIZATION)
    group = column("group__name", verbose(Meeting, "group"))
    kind = column("get_kind_display", verbose(Meeting, "kind"))
    topic = column("topic", verbose(Meeting, "topic"))
    held_on = column("held_on", verbose(Meeting, "held_on"))
    starts_at = column("starts_at", verbose(Meeting, "starts_at"))
    ends_at = column("ends_at", verbose(Meeting, "ends_at"))
    location = column("location", verbose(Meeting, "location"))
    host = column("host__name", verbose(Meeting, "host"))
    lecturer = column("lecturer_name", verbose(Meeting, "lecturer_name"))
    lecturer_is_secretary = column("lecturer_is_secretary", verbose(Meeting, "lecturer_is_secretary"))
    status = column("get_status_display", verbose(Meeting, "status"))
    filed_at = column("filed_at", verbose(Meeting, "filed_at"))

    @classmethod
    def visible_to(cls, user: User) -> QuerySet[Meeting]:
        return meetings_visible_to(user)


class AttendanceExportResource(AnnualExportResource):
    title = _("会议出勤")
    year_lookup = "meeting__held_on__year"
    organization_field = "meeting__organization"
    select_related = ("meeting__organization", "member")
    ordering = ("meeting__organization__path", "meeting__held_on", "meeting_id", "member__name", "pk")

    organization = column("meeting__organization__name", ORGANIZATION)
    held_on = column("meeting__held_on", verbose(Meeting, "held_on"))
    kind = column("meeting__get_kind_display", verbose(Meeting, "kind"))
    topic = column("meeting__topic", verbose(Meeting, "topic"))
    member = column("member__name", verbose(Attendance, "member"))
    id_number = column("member__id_number_masked", _("身份证号"))
    status = column("get_status_display", verbose(Attendance, "status"))
    leave_reason = column("leave_reason", verbose(Attendance, "leave_reason"))
    signed_in_at = column("signed_in_at", verbose(Attendance, "signed_in_at"))

    @classmethod
    def visible_to(cls, user: User) -> QuerySet[Attendance]:
        return Attendance.objects.filter(meeting__in=meetings_visible_to(user))

    def dehydrate_id_number(self, attendance: Attendance) -> Any:
        return self.member_id_number(attendance.member)


class TalkExportResource(AnnualExportResource):
    """That a talk was held, between whom and when: never the summary."""

    title = _("谈心谈话")
    year_lookup = "held_on__year"
    select_related = ("organization", "initiator", "counterpart")
    ordering = ("organization__path", "held_on", "pk")

    organization = column("organization__name", ORGANIZATION)
    held_on = column("held_on", verbose(HeartTalk, "held_on"))
    initiator = column("initiator__name", verbose(HeartTalk, "initiator"))
    counterpart = column("counterpart__name", verbose(HeartTalk, "counterpart"))
    is_criticism = column("is_criticism", verbose(HeartTalk, "is_criticism"))

    @classmethod
    def visible_to(cls, user: User) -> QuerySet[HeartTalk]:
        return talks_visible_to(user)


class CommitmentExportResource(AnnualExportResource):
    title = _("承诺践诺")
    year_lookup = "year"
    organization_field = "member__organization"
    select_related = ("member__organization",)
    ordering = ("member__organization__path", "member__name", "pk")

    organization = column("member__organization__name", ORGANIZATION)
    member = column("member__name", verbose(Commitment, "member"))
    year = column("year", verbose(Commitment, "year"))
    post = column("post", verbose(Commitment, "post"))
    pledge = column("pledge", verbose(Commitment, "pledge"))
    mid_year_report = column("mid_year_report", verbose(Commitment, "mid_year_report"))
    year_end_report = column("year_end_report", verbose(Commitment, "year_end_report"))
    branch_comment = column("branch_comment", verbose(Commitment, "branch_comment"))

    @classmethod
    def visible_to(cls, user: User) -> QuerySet[Commitment]:
        return Commitment.objects.filter(member__in=members_visible_to(user))


class DuesPaymentExportResource(AnnualExportResource):
    """党费: one row per member and month recorded (the months paid ahead, 已预交, included), by month's year."""

    title = _("党费交纳")
    year_lookup = "month__year"
    select_related = ("organization", "member")
    ordering = ("organization__path", "month", "member__name", "pk")

    organization = column("organization__name", ORGANIZATION)
    month = column("month", verbose(DuesPayment, "month"))
    member = column("member__name", verbose(DuesPayment, "member"))
    id_number = column("member__id_number_masked", _("身份证号"))
    amount_due = column("amount_due", verbose(DuesPayment, "amount_due"))
    amount_paid = column("amount_paid", verbose(DuesPayment, "amount_paid"))
    status = column("get_status_display", verbose(DuesPayment, "status"))
    method = column("get_method_display", verbose(DuesPayment, "method"))
    paid_on = column("paid_on", verbose(DuesPayment, "paid_on"))
    reduction = column("reduction", verbose(DuesPayment, "reduction"))
    reduction_reason = column("reduction_reason", verbose(DuesPayment, "reduction_reason"))
    reduction_state = column("get_reduction_state_display", verbose(DuesPayment, "reduction_state"))
    months_ahead = column("months_ahead", verbose(DuesPayment, "months_ahead"))
    voluntary = column("voluntary", verbose(DuesPayment, "voluntary"))

    @classmethod
    def visible_to(cls, user: User) -> QuerySet[DuesPayment]:
        return dues_payments_visible_to(user)

    def dehydrate_id_number(self, payment: DuesPayment) -> Any:
        return self.member_id_number(payment.member)
