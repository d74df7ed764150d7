"""Signatures of filed records (HMAC-SHA256 under settings.RECORDS_SIGNING_KEY, a key kept outside the database).

Two things are signed, each as canonical JSON (sorted keys, no spaces, UTF-8) behind a purpose label, so that one
signature can never stand for the other:

* a version (`MeetingVersion`): the hash of its content together with the filing metadata — the meeting, its
  organisation, its status, who filed it and when, the version number, the amendment's reason, who made the
  version and when. Changing any of these in the database, or recomputing a content and its SHA-256, leaves a
  signature that no longer matches, and nobody without the key can make a new one.
* a chain entry (`RecordChainEntry`): its organisation, sequence number, meeting, version, content hash, time and
  the previous entry's signature, so that the entries of one organisation form a hash chain.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings

VERSION_PURPOSE = "lxyz.meeting-version.v1"
CHAIN_PURPOSE = "lxyz.record-chain.v1"


def _canonical(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def _moment(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat() if value is not None else None


def sign(purpose: str, payload: Mapping[str, Any], *, key: str | None = None) -> str:
    """HMAC-SHA256 (hex) of the purpose label and the canonical payload."""
    secret = (key if key is not None else settings.RECORDS_SIGNING_KEY).encode("utf-8")
    return hmac.new(secret, purpose.encode("ascii") + b"\n" + _canonical(payload), hashlib.sha256).hexdigest()


def matches(signature: str, expected: str) -> bool:
    return bool(signature) and hmac.compare_digest(signature, expected)


def version_payload(
    *,
    meeting_id: int,
    organization_id: int,
    status: str,
    filed_by_id: int | None,
    filed_at: datetime.datetime | None,
    number: int,
    content_hash: str,
    reason: str,
    created_by_id: int | None,
    created_at: datetime.datetime | None,
) -> dict[str, Any]:
    """What a version's signature covers: its content's hash and the filing metadata."""
    return {
        "meeting": meeting_id,
        "organization": organization_id,
        "status": status,
        "filed_by": filed_by_id,
        "filed_at": _moment(filed_at),
        "number": number,
        "content_hash": content_hash,
        "reason": reason,
        "created_by": created_by_id,
        "created_at": _moment(created_at),
    }


def chain_payload(
    *,
    organization_id: int,
    sequence: int,
    meeting_id: int,
    version_id: int,
    version_number: int,
    content_hash: str,
    previous_signature: str,
    created_at: datetime.datetime,
) -> dict[str, Any]:
    """What a chain entry's signature covers, the previous entry's signature included."""
    return {
        "organization": organization_id,
        "sequence": sequence,
        "meeting": meeting_id,
        "version": version_id,
        "version_number": version_number,
        "content_hash": content_hash,
        "previous": previous_signature,
        "created_at": _moment(created_at),
    }
