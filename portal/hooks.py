"""The portal's extension points: how a lower app lets an upper app react, without importing it.

Apps depend downward only (``portal``/``branches``/``notifications`` → ``study`` → ``activities`` →
``reviews`` → ``demo``; import-linter checks it). When something a lower app owns changes and an upper app must
follow — a meeting is filed, so compliance is judged again — the lower app announces it through a hook declared
here, and the upper app connects a receiver in its ``AppConfig.ready()``. Every hook is listed in this one file
with what it passes, so a reader finds every receiver by searching for the hook's name; unlike Django signals,
nothing is connected implicitly and nothing fires from ``save()``.

Announcing is explicit, from a service, and runs the receivers in the order they were connected. Receivers that
start background work enqueue it with ``transaction.on_commit`` themselves.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol


class Hook[Receiver: Callable[..., Any]]:
    """A named list of receivers of one type. ``connect`` in ``AppConfig.ready()``; ``receivers()`` to call."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self._receivers: list[Receiver] = []

    def connect(self, receiver: Receiver) -> Receiver:
        """Add a receiver once (``ready()`` may run twice in tests); usable as a decorator."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Receiver) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    def receivers(self) -> tuple[Receiver, ...]:
        return tuple(self._receivers)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._receivers)} receiver(s)>"


# --- What the receivers look like ------------------------------------------------------------------------------


class OrganizationYearsChanged(Protocol):
    def __call__(self, *, organization_id: int, years: Iterable[int]) -> None: ...


class MemberChanged(Protocol):
    def __call__(self, *, member_id: int) -> None: ...


class OrganizationChanged(Protocol):
    def __call__(self, *, organization_id: int) -> None: ...


class MeetingStudyHours(Protocol):
    def __call__(self, *, member_ids: Iterable[int], year: int) -> dict[int, Decimal]: ...


@dataclass(frozen=True)
class MeetingSoon:
    """A meeting the member is expected at, today or later this week, as 我的学习 shows it."""

    title: str  # the kind and the topic
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    location: str
    url: str
    # Sign-in is open now and the member has not signed in yet. Signing in is only by the QR code shown in the
    # room, so the page says so instead of linking the sign-in: the link would let anyone sign in from anywhere.
    sign_in_open: bool
    signed_in: bool


class MemberMeetingsSoon(Protocol):
    def __call__(self, *, member: Any, today: datetime.date, now: datetime.datetime) -> list[MeetingSoon]: ...


class MemberPageQueryset(Protocol):
    def __call__(self, queryset: Any, *, today: datetime.date) -> Any: ...


# --- The hooks -------------------------------------------------------------------------------------------------

member_changed: Hook[MemberChanged] = Hook(
    "member_changed",
    "branches: a member joined, left, moved or changed status or group (after commit). "
    "study connects: the member's study tasks follow (tasks for the current plan, closed when they leave).",
)

organization_members_changed: Hook[OrganizationChanged] = Hook(
    "organization_members_changed",
    "branches: many members of one organisation changed at once, e.g. a roster import (after commit). "
    "study connects: the organisation's study tasks follow.",
)

organization_structure_changed: Hook[OrganizationYearsChanged] = Hook(
    "organization_structure_changed",
    "branches: a branch's 党小组 was set up, dissolved or re-dated, touching these years (after commit). "
    "reviews connects: compliance of the organisation is judged again for those years.",
)

study_tasks_changed: Hook[OrganizationYearsChanged] = Hook(
    "study_tasks_changed",
    "study: study tasks of the organisation were completed, reopened or generated for these years. "
    "reviews connects: the study roll-ups of the organisation and its ancestors are brought up to date.",
)

meetings_changed: Hook[OrganizationYearsChanged] = Hook(
    "meetings_changed",
    "activities: a meeting of the organisation was created, changed, recorded, filed, amended or deleted, "
    "touching these years. reviews connects: compliance of the organisation is judged again for those years.",
)

meeting_study_hours: Hook[MeetingStudyHours] = Hook(
    "meeting_study_hours",
    "study asks: hours of collective study each member attended in the year, by member id. "
    "activities connects: held meetings with study content, by the day held, their length (one query).",
)

member_meetings_soon: Hook[MemberMeetingsSoon] = Hook(
    "member_meetings_soon",
    "study asks: the meetings the member is expected at from today to the end of this week (Sunday), for the top "
    "of 我的学习. activities connects: their organisation's and group's meetings not yet filed (one query).",
)

member_page_queryset: Hook[MemberPageQueryset] = Hook(
    "member_page_queryset",
    "branches asks: what the member page (亮明身份) shows besides the member, as annotations and prefetches on "
    "the member queryset. activities connects: this year's 承诺 and the current 先锋岗; reviews: each year's "
    "民主评议 grade.",
)
