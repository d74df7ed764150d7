"""Reads of the filed records' chains."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from activities.models import RecordChainEntry
from branches.models import Organization

SIGNATURE_PREFIX_LENGTH = 16


@dataclass(frozen=True)
class ChainHead:
    """The last entry of one organisation's chain of filings: printed (情况通报, yearly report) so that a copy kept
    outside the database anchors the chain — a chain cut short or rewritten no longer ends there."""

    organization: Organization
    sequence: int
    signature: str

    @property
    def signature_prefix(self) -> str:
        return self.signature[:SIGNATURE_PREFIX_LENGTH]


def chain_heads(organization: Organization) -> list[ChainHead]:
    """The head of every chain in the organisation's subtree (organisations with filed records), in tree order.
    One query, whatever the size of the subtree or of the chains."""
    last = (
        RecordChainEntry.objects.filter(organization=OuterRef("organization")).order_by("-sequence").values("sequence")
    )
    entries = (
        RecordChainEntry.objects.filter(organization__path__startswith=organization.path, sequence=Subquery(last[:1]))
        .select_related("organization")
        .order_by("organization__path")
    )
    return [ChainHead(entry.organization, entry.sequence, entry.signature) for entry in entries]
