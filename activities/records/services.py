"""Filing (归档) and amendments (更正): a filed meeting is locked; a correction is a new version with its reason,
who and when, beside the original. Each version stores a SHA-256 of its content (fields, counted kinds, plan
items, attendance and attachment hashes) and a signature (HMAC-SHA256 under RECORDS_SIGNING_KEY, see
`activities.records.signing`) over that hash and the filing metadata; each filing and amendment appends a signed
entry to its organisation's chain of filings (`RecordChainEntry`). `records_verify` recomputes all of it, re-hashes
the attachments' files, walks the chains, and names any mismatch."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.meetings.services import (
    MEETING_FIELDS,
    AttendanceEntry,
    apply_changes,
    claim_version,
    compliance_changed,
    write_attendance,
)
from activities.models import (
    Meeting,
    MeetingAttachment,
    MeetingStatus,
    MeetingVersion,
    RecordChainEntry,
)
from activities.records.signing import (
    CHAIN_PURPOSE,
    VERSION_PURPOSE,
    chain_payload,
    matches,
    sign,
    version_payload,
)
from branches.models import Organization, PartyGroup, User
from portal.audit.services import AuditAction, audit_record
from study.models import StudyPlanItem


def meeting_snapshot(meeting: Meeting) -> dict[str, Any]:
    """What a filed version holds: the fields, what it counts as, the linked plan items, every attendance row
    and every attachment's SHA-256. Plain JSON values, sorted, so the same record always hashes the same."""
    fields: dict[str, Any] = {}
    for name in MEETING_FIELDS:
        value = getattr(meeting, f"{name}_id" if name in ("host", "recorder", "lecturer") else name)
        if isinstance(value, datetime.datetime):
            value = value.astimezone(datetime.UTC).isoformat()
        fields[name] = value
    fields["organization"] = meeting.organization_id
    fields["group"] = meeting.group_id
    return {
        "meeting": meeting.pk,
        "fields": fields,
        "counts_as": sorted(c.kind for c in meeting.counted_kinds.all()),
        "plan_items": sorted(str(item.key) for item in meeting.plan_items.all()),
        "attendance": sorted(
            [
                a.member_id,
                a.status,
                a.leave_reason,
                a.signed_in_at.astimezone(datetime.UTC).isoformat() if a.signed_in_at else None,
            ]
            for a in meeting.attendances.all()
        ),
        "attachments": sorted(a.sha256 for a in meeting.attachments.all()),
    }


def content_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON form (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _fresh(meeting: Meeting) -> Meeting:
    """The meeting with everything a snapshot reads, from the database (not from a form's half-saved object)."""
    return Meeting.objects.prefetch_related("counted_kinds", "plan_items", "attendances", "attachments").get(
        pk=meeting.pk
    )


def version_signature(
    meeting: Meeting, version: MeetingVersion, *, content_hash_value: str | None = None, key: str | None = None
) -> str:
    """The signature `version` must carry for `meeting` as it stands: over the content's hash (recomputed from
    the content unless given) and the filing metadata."""
    payload = version_payload(
        meeting_id=meeting.pk,
        organization_id=meeting.organization_id,
        status=meeting.status,
        filed_by_id=meeting.filed_by_id,
        filed_at=meeting.filed_at,
        number=version.number,
        content_hash=content_hash_value if content_hash_value is not None else content_hash(version.content),
        reason=version.reason,
        created_by_id=version.created_by_id,
        created_at=version.created_at,
    )
    return sign(VERSION_PURPOSE, payload, key=key)


def entry_signature(entry: RecordChainEntry, *, key: str | None = None) -> str:
    """The signature a chain entry must carry: over its own fields and the previous entry's signature."""
    payload = chain_payload(
        organization_id=entry.organization_id,
        sequence=entry.sequence,
        meeting_id=entry.meeting_id,
        version_id=entry.version_id,
        version_number=entry.version_number,
        content_hash=entry.content_hash,
        previous_signature=entry.previous_signature,
        created_at=entry.created_at,
    )
    return sign(CHAIN_PURPOSE, payload, key=key)


def _lock_chains(organization_ids: Iterable[int]) -> None:
    """Lock the organisations' rows (in id order, so two writers never wait on each other crosswise) for the rest
    of the transaction: two filings of one organisation append to its chain one after the other, never from the
    same head. FOR NO KEY UPDATE on PostgreSQL, so that rows referring to the organisation can still be written
    meanwhile; SQLite has one writer at a time anyway. The unique (organization, sequence) backs this up."""
    ids = sorted(set(organization_ids))
    if ids:
        no_key = connection.features.has_select_for_no_key_update
        list(Organization.objects.select_for_update(no_key=no_key).filter(pk__in=ids).order_by("pk").values("pk"))


def _chain_head(organization_id: int) -> tuple[int, str] | None:
    """(last sequence, last signature) of the organisation's chain, None while it is empty."""
    return (
        RecordChainEntry.objects.filter(organization_id=organization_id)
        .order_by("-sequence")
        .values_list("sequence", "signature")
        .first()
    )


def _chain_entry(
    *,
    organization_id: int,
    head: tuple[int, str] | None,
    meeting_id: int,
    version: MeetingVersion,
    at: datetime.datetime,
) -> RecordChainEntry:
    sequence, previous = (head[0] + 1, head[1]) if head else (1, "")
    entry = RecordChainEntry(
        organization_id=organization_id,
        sequence=sequence,
        meeting_id=meeting_id,
        version_id=version.pk,
        version_number=version.number,
        content_hash=version.content_hash,
        previous_signature=previous,
        created_at=at,
    )
    entry.signature = entry_signature(entry)
    return entry


def version_add(meeting: Meeting, *, by: User | None, reason: str = "") -> MeetingVersion:
    """Store the meeting's next version, signed, and append it to its organisation's chain. Runs inside the
    caller's transaction (filing, amendment, attachment change)."""
    fresh = _fresh(meeting)
    content = meeting_snapshot(fresh)
    number = (meeting.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = MeetingVersion.objects.create(
        meeting=meeting,
        number=number,
        content=content,
        content_hash=content_hash(content),
        reason=reason,
        created_by=by,
    )
    version.signature = version_signature(fresh, version, content_hash_value=version.content_hash)
    version.save(update_fields=["signature"])
    _lock_chains([fresh.organization_id])
    head = _chain_head(fresh.organization_id)
    _chain_entry(
        organization_id=fresh.organization_id, head=head, meeting_id=fresh.pk, version=version, at=timezone.now()
    ).save()
    return version


@dataclass
class SigningResult:
    signed: int = 0
    refused: list[tuple[int, int, str]] = field(default_factory=list)  # (meeting id, version number, why)


SIGNING_CHUNK = 2000


def _write_signatures(pairs: Sequence[tuple[int, str]]) -> None:
    """WITH v(id, signature) AS (VALUES …) UPDATE … FROM v: one statement per 500 (PostgreSQL, SQLite ≥ 3.33)."""
    table = connection.ops.quote_name(MeetingVersion._meta.db_table)
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        values = ", ".join(["(%s, %s)"] * len(chunk))
        params = [value for pair in chunk for value in pair]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH v(id, signature) AS (VALUES {values}) "  # noqa: S608 - the table name and placeholders only
                f"UPDATE {table} SET signature = v.signature FROM v WHERE {table}.id = v.id",
                params,
            )


_SIGNING_VALUES = (
    "pk",
    "meeting_id",
    "number",
    "content",
    "content_hash",
    "reason",
    "created_by_id",
    "created_at",
    "meeting__organization_id",
    "meeting__status",
    "meeting__filed_by_id",
    "meeting__filed_at",
)


def _unsigned_versions(organization_ids: Iterable[int] | None) -> Iterator[dict[str, Any]]:
    """The unsigned versions not yet in a chain, by organisation and in the order they were made; their ids are
    read first, the rows chunk by chunk (the signatures are written meanwhile). NOT EXISTS, not NOT IN: PostgreSQL
    plans NOT IN over the whole chain table as a subplan per version once it no longer fits in memory."""
    in_chain = RecordChainEntry.objects.filter(version_id=OuterRef("pk"))
    versions = MeetingVersion.objects.filter(signature="").exclude(Exists(in_chain))
    if organization_ids is not None:
        versions = versions.filter(meeting__organization_id__in=list(organization_ids))
    pks = list(
        versions.order_by("meeting__organization_id", "created_at", "meeting_id", "number").values_list("pk", flat=True)
    )
    for start in range(0, len(pks), SIGNING_CHUNK):
        chunk = pks[start : start + SIGNING_CHUNK]
        rows = {row["pk"]: row for row in MeetingVersion.objects.filter(pk__in=chunk).values(*_SIGNING_VALUES)}
        for pk in chunk:
            yield rows[pk]


@transaction.atomic
def records_sign_unsigned(*, organization_ids: Iterable[int] | None = None) -> SigningResult:
    """Sign every version that has no signature and is not in a chain yet, and append it to its organisation's
    chain (in the order the versions were made): for records filed before signing existed (`manage.py
    sign_records`) and for the demo data written in bulk. A version whose content no longer matches its hash, or
    whose meeting is not filed, is refused, not signed. Signing is what makes a record trusted, so run this only
    where the unsigned records are known to be genuine (see docs/security.md)."""
    result = SigningResult()
    ids = None if organization_ids is None else sorted(set(organization_ids))
    if ids is not None:
        _lock_chains(ids)
    heads: dict[int, tuple[int, str] | None] = {}
    signatures: list[tuple[int, str]] = []
    entries: list[RecordChainEntry] = []
    now = timezone.now()

    def flush() -> None:
        _write_signatures(signatures)
        RecordChainEntry.objects.bulk_create(entries, batch_size=1000)
        signatures.clear()
        entries.clear()

    for row in _unsigned_versions(ids):
        organization_id = row["meeting__organization_id"]
        if row["meeting__status"] != MeetingStatus.FILED:
            result.refused.append((row["meeting_id"], row["number"], _("会议不是归档状态")))
            continue
        if content_hash(row["content"]) != row["content_hash"]:
            result.refused.append((row["meeting_id"], row["number"], _("归档内容与其摘要不符")))
            continue
        if organization_id not in heads:
            if ids is None:
                _lock_chains([organization_id])
            heads[organization_id] = _chain_head(organization_id)
        meeting = Meeting(
            pk=row["meeting_id"],
            organization_id=organization_id,
            status=row["meeting__status"],
            filed_by_id=row["meeting__filed_by_id"],
            filed_at=row["meeting__filed_at"],
        )
        version = MeetingVersion(
            pk=row["pk"],
            number=row["number"],
            content_hash=row["content_hash"],
            reason=row["reason"],
            created_by_id=row["created_by_id"],
            created_at=row["created_at"],
        )
        signatures.append((version.pk, version_signature(meeting, version, content_hash_value=version.content_hash)))
        entry = _chain_entry(
            organization_id=organization_id,
            head=heads[organization_id],
            meeting_id=meeting.pk,
            version=version,
            at=now,
        )
        entries.append(entry)
        heads[organization_id] = (entry.sequence, entry.signature)
        result.signed += 1
        if len(entries) >= SIGNING_CHUNK:
            flush()
    flush()
    return result


@transaction.atomic
def meeting_file(*, meeting: Meeting, version: int, filed_by: User | None) -> Meeting:
    """File (归档) a held meeting: the record is locked and version 1 with its content hash is stored."""
    if meeting.status == MeetingStatus.FILED:
        raise ValidationError(_("这次活动已经归档。"))
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(_("请先登记出勤，活动召开后才能归档。"))
    now = timezone.now()
    claim_version(
        meeting, version, status=MeetingStatus.FILED, filed_at=now, filed_by_id=filed_by.pk if filed_by else None
    )
    version_add(meeting, by=filed_by)
    compliance_changed(meeting)
    audit_record(actor=filed_by, action=AuditAction.MEETING_FILED, target=meeting)
    return meeting


AMENDMENT_REASON_MIN_LENGTH = 5


@transaction.atomic
def meeting_amend(
    *,
    meeting: Meeting,
    version: int,
    amended_by: User | None,
    reason: str,
    entries: Mapping[int, AttendanceEntry] | None = None,
    counts_as: Iterable[str] | None = None,
    plan_items: Iterable[StudyPlanItem] | None = None,
    group: PartyGroup | None = None,
    **fields: Any,
) -> MeetingVersion:
    """A correction to a filed meeting: applied, and stored as the next version with its reason, who and when.
    The earlier versions stay as they were."""
    if not meeting.is_filed:
        raise ValidationError(_("只有已归档的活动需要提交更正；未归档的活动可直接修改。"))
    reason = reason.strip()
    if len(reason) < AMENDMENT_REASON_MIN_LENGTH:
        raise ValidationError({"reason": _("请写明更正原因（至少%(n)d个字）。") % {"n": AMENDMENT_REASON_MIN_LENGTH}})
    if fields or counts_as is not None or plan_items is not None or group is not None:
        apply_changes(
            meeting=meeting, version=version, counts_as=counts_as, plan_items=plan_items, group=group, **fields
        )
    else:
        claim_version(meeting, version)
    if entries is not None:
        write_attendance(meeting=meeting, entries=entries, today=timezone.localdate())
    audit_record(actor=amended_by, action=AuditAction.MEETING_AMENDED, target=meeting, detail={"reason": reason})
    return version_add(meeting, by=amended_by, reason=reason)


@dataclass(frozen=True)
class VerificationProblem:
    meeting_id: int  # 0 for a problem of the whole check (the key)
    label: str
    problem: str


def _label(meeting: Meeting) -> str:
    kind = meeting.get_kind_display()
    return f"#{meeting.pk} {meeting.organization.name} {meeting.held_on} {kind}「{meeting.topic}」"


def _file_sha256(attachment: MeetingAttachment) -> str | None:
    """SHA-256 of the attachment's file as it is on disk now; None when it is missing."""
    digest = hashlib.sha256()
    try:
        with attachment.file.storage.open(str(attachment.file.name), "rb") as stored:
            for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


@dataclass
class _Tally:
    signatures: int = 0
    failed: int = 0

    def check(self, signature: str, expected: str) -> bool:
        self.signatures += 1
        if matches(signature, expected):
            return True
        self.failed += 1
        return False


def _verify_meeting(meeting: Meeting, chained: set[int], tally: _Tally) -> list[VerificationProblem]:
    label = _label(meeting)
    problems: list[VerificationProblem] = []

    def problem(text: str) -> None:
        problems.append(VerificationProblem(meeting.pk, label, text))

    versions = sorted(meeting.versions.all(), key=lambda v: v.number)
    if not versions:
        problem(_("已归档但没有归档版本"))
        return problems
    for stored in versions:
        computed = content_hash(stored.content)
        if computed != stored.content_hash:
            problem(_("第%(n)d版的归档内容与其摘要不符") % {"n": stored.number})
        if not stored.signature:
            problem(_("第%(n)d版没有签名") % {"n": stored.number})
        elif not tally.check(stored.signature, version_signature(meeting, stored, content_hash_value=computed)):
            problem(
                _("第%(n)d版的签名不符：归档内容或归档信息（状态、党组织、归档人、归档时间、版本）已被改动")
                % {"n": stored.number}
            )
        if stored.pk not in chained:
            problem(_("第%(n)d版不在归档记录链中") % {"n": stored.number})
    if content_hash(meeting_snapshot(meeting)) != versions[-1].content_hash:
        problem(_("当前记录与最后归档版本（第%(n)d版）不一致") % {"n": versions[-1].number})
    for attachment in meeting.attachments.all():
        on_disk = _file_sha256(attachment)
        if on_disk is None:
            problem(_("附件“%(name)s”的文件已不存在") % {"name": attachment.original_name})
        elif on_disk != attachment.sha256:
            name = attachment.original_name
            problem(_("附件“%(name)s”的文件与归档时的摘要不符（文件被替换或改动）") % {"name": name})
    return problems


def _verify_meetings(
    meetings: QuerySet[Meeting], chunk_size: int, tally: _Tally
) -> tuple[int, list[VerificationProblem]]:
    checked = 0
    problems: list[VerificationProblem] = []
    last_pk = 0
    while True:
        chunk = list(
            meetings.filter(pk__gt=last_pk)
            .select_related("organization")
            .prefetch_related("counted_kinds", "plan_items", "attendances", "attachments", "versions")[:chunk_size]
        )
        if not chunk:
            break
        version_ids = [version.pk for meeting in chunk for version in meeting.versions.all()]
        chained = set(RecordChainEntry.objects.filter(version_id__in=version_ids).values_list("version_id", flat=True))
        for meeting in chunk:
            checked += 1
            problems.extend(_verify_meeting(meeting, chained, tally))
        last_pk = chunk[-1].pk
    return checked, problems


def _verify_chain_chunk(
    entries: list[RecordChainEntry], previous: dict[int, RecordChainEntry], tally: _Tally
) -> list[VerificationProblem]:
    """Check a run of chain entries (ordered by organisation and sequence): each links to the one before, carries
    a valid signature, and names a version that still exists, unchanged, of a meeting that is still filed."""
    versions = {
        v["pk"]: v
        for v in MeetingVersion.objects.filter(pk__in=[e.version_id for e in entries]).values(
            "pk", "meeting_id", "number", "content_hash"
        )
    }
    meetings = {
        m.pk: m for m in Meeting.objects.filter(pk__in={e.meeting_id for e in entries}).select_related("organization")
    }
    problems: list[VerificationProblem] = []
    for entry in entries:
        meeting = meetings.get(entry.meeting_id)
        label = (
            _label(meeting)
            if meeting is not None
            else _("#%(id)d %(organization)s（会议已不存在）")
            % {"id": entry.meeting_id, "organization": entry.organization.name}
        )
        where = {"n": entry.sequence, "organization": entry.organization.name}

        def problem(text: str, *, label: str = label, entry: RecordChainEntry = entry) -> None:
            problems.append(VerificationProblem(entry.meeting_id, label, text))

        before = previous.get(entry.organization_id)
        expected_sequence = before.sequence + 1 if before else 1
        expected_previous = before.signature if before else ""
        if entry.sequence != expected_sequence:
            problem(
                _("%(organization)s的归档记录链第%(n)d条之前缺少记录（应为第%(expected)d条）")
                % (where | {"expected": expected_sequence})
            )
        elif entry.previous_signature != expected_previous:
            problem(_("%(organization)s的归档记录链第%(n)d条与前一条不衔接") % where)
        if not tally.check(entry.signature, entry_signature(entry)):
            problem(_("%(organization)s的归档记录链第%(n)d条的签名不符") % where)
        previous[entry.organization_id] = entry
        version = versions.get(entry.version_id)
        named = {"meeting": entry.meeting_id, "v": entry.version_number} | where
        if meeting is None:
            problem(_("归档记录链第%(n)d条记载的会议#%(meeting)d已被删除") % named)
        elif meeting.status != MeetingStatus.FILED:
            problem(
                _("归档记录链第%(n)d条记载的会议已不是归档状态（现为“%(status)s”）")
                % (named | {"status": meeting.get_status_display()})
            )
        if meeting is not None and version is None:
            problem(_("归档记录链第%(n)d条记载的第%(v)d版已被删除") % named)
        elif version is not None and (
            version["meeting_id"] != entry.meeting_id
            or version["number"] != entry.version_number
            or version["content_hash"] != entry.content_hash
        ):
            problem(_("归档记录链第%(n)d条记载的第%(v)d版与链中记载的摘要不符") % named)
    return problems


def _verify_chains(organization: Organization | None, chunk_size: int, tally: _Tally) -> list[VerificationProblem]:
    entries = RecordChainEntry.objects.select_related("organization").order_by("organization__path", "sequence")
    if organization is not None:
        entries = entries.filter(organization__path__startswith=organization.path)
    problems: list[VerificationProblem] = []
    previous: dict[int, RecordChainEntry] = {}
    chunk: list[RecordChainEntry] = []
    for entry in entries.iterator(chunk_size=chunk_size):
        chunk.append(entry)
        if len(chunk) >= chunk_size:
            problems.extend(_verify_chain_chunk(chunk, previous, tally))
            chunk = []
    if chunk:
        problems.extend(_verify_chain_chunk(chunk, previous, tally))
    return problems


def records_verify(
    *, organization: Organization | None = None, chunk_size: int = 500
) -> tuple[int, list[VerificationProblem]]:
    """Check every filed meeting (of the subtree): each version's content still hashes to its stored hash and its
    signature matches the content and the filing metadata; the live record still hashes to its latest version's;
    every version is in the chain; every attachment's file still hashes to what was filed. Then walk each
    organisation's chain: unbroken, signed, and every entry's version and meeting still there, filed. When no
    signature at all verifies, the key is named first. Returns (meetings checked, problems)."""
    tally = _Tally()
    meetings = Meeting.objects.filter(status=MeetingStatus.FILED).order_by("pk")
    if organization is not None:
        meetings = meetings.filter(organization__path__startswith=organization.path)
    checked, problems = _verify_meetings(meetings, chunk_size, tally)
    problems.extend(_verify_chains(organization, chunk_size, tally))
    if tally.signatures and tally.failed == tally.signatures:
        problems.insert(
            0,
            VerificationProblem(
                0,
                "RECORDS_SIGNING_KEY",
                _(
                    "%(n)d个签名全部不符：当前的 RECORDS_SIGNING_KEY 很可能不是签名时使用的密钥，"
                    "请使用与数据库备份一同保管的密钥"
                )
                % {"n": tally.signatures},
            ),
        )
    return checked, problems
