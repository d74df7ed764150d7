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
    One query, whatever the size of the subtree or of the chains: the subtree's organisations, each with its last
    entry read backwards from the (organisation, sequence) index, so that no other organisation's entries are read.
    """
    last = RecordChainEntry.objects.filter(organization=OuterRef("pk")).order_by("-sequence")
    organizations = (
        Organization.objects.filter(path__startswith=organization.path)
        .annotate(
            head_sequence=Subquery(last.values("sequence")[:1]),
            head_signature=Subquery(last.values("signature")[:1]),
        )
        .order_by("path")
    )
    # Organisations without filed records are skipped here: in SQL the subquery would run once more per row.
    return [ChainHead(org, org.head_sequence, org.head_signature) for org in organizations if org.head_sequence]
