"""Reads for the study materials: what a user may see (their organisations and those above), a page of the
list with filters, one material, and which the member has read."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from branches.models import Member, User
from branches.permissions import own_member, reaching_user_q
from study.models import (
    MaterialRead,
    StudyMaterial,
    StudyPlanItem,
)

MATERIAL_PAGE_SIZE = 20


def materials_visible_to(user: User) -> QuerySet[StudyMaterial]:
    """Materials published by an organisation whose subtree reaches the user, and those linked to their tasks.

    `reaching_user_q` covers the organisations above the user's scope and own branch as well as everything
    inside the scope (the same rows `organization_scope_q` selects). A member also sees every material linked
    to one of their own study tasks.
    """
    q = reaching_user_q(user, "organization")
    if not q:  # sees everything (an empty Q would swallow the OR below)
        return StudyMaterial.objects.all()
    member = own_member(user)
    if member is not None:
        linked = StudyPlanItem.materials.through.objects.filter(studyplanitem__tasks__member=member)
        q |= Q(pk__in=linked.values("studymaterial_id"))
    return StudyMaterial.objects.filter(q)


def material_page(
    *, user: User, query: str = "", category: str = "", page_number: int | str = 1
) -> Page[StudyMaterial]:
    """One page of the visible materials: required reading first, then the newest. Two queries (count, page)."""
    qs = materials_visible_to(user).select_related("organization")
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(body__icontains=query))
    if category:
        qs = qs.filter(category=category)
    qs = qs.order_by("-is_required", "-published_on", "-pk")
    return Paginator(qs, MATERIAL_PAGE_SIZE).get_page(page_number)


def material_get(*, user: User, pk: int) -> StudyMaterial:
    """A material the user may see; DoesNotExist outside the scope."""
    return materials_visible_to(user).select_related("organization", "published_by").get(pk=pk)


def material_read_ids(*, member: Member | None, materials: list[StudyMaterial]) -> set[int]:
    """Which of these materials the member has opened (one query)."""
    if member is None or not materials:
        return set()
    return set(
        MaterialRead.objects.filter(member=member, material__in=[m.pk for m in materials]).values_list(
            "material_id", flat=True
        )
    )


def material_read_get(*, member: Member, material: StudyMaterial) -> MaterialRead | None:
    return MaterialRead.objects.filter(member=member, material=material).first()
