"""Writes for study materials (学习资料): publishing one, and a member's read record."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from branches.models import Member, Organization, User
from study.models import (
    MaterialRead,
    StudyMaterial,
)


@transaction.atomic
def material_publish(*, organization: Organization, published_by: User | None, **fields: Any) -> StudyMaterial:
    """Publish a material for the organisation's whole subtree."""
    fields.setdefault("published_on", timezone.localdate())
    material = StudyMaterial(organization=organization, published_by=published_by, **fields)
    if material.attachment and not material.attachment_name:
        material.attachment_name = material.attachment.name  # type: ignore[assignment]  # a saved file has a name
    material.full_clean()
    material.save()
    return material


def material_read_record(*, material: StudyMaterial, member: Member) -> None:
    """Record that a member opened a material (first and last time only)."""
    read, created = MaterialRead.objects.get_or_create(material=material, member=member)
    if not created:
        read.save(update_fields=["last_read_at"])
