"""Tamper evidence of filed records against someone with database access but without RECORDS_SIGNING_KEY: each
tampering is done directly in the database, as such an attacker would, and `verify_records` must exit 1 naming it."""

import datetime
import io
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from activities.attachments import services as attachments_services
from activities.attachments.services import AttachmentUpload
from activities.meetings import services as meeting_services
from activities.meetings.services import AttendanceEntry
from activities.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MeetingVersion,
    RecordChainEntry,
)
from activities.records import services as records_services
from activities.records.selectors import chain_heads
from tests.factories import UserFactory
from tests.record_chain import chain_triggers, chain_wipe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def verify() -> str:
    out = io.StringIO()
    call_command("verify_records", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def verify_fails() -> str:
    """verify_records' error lines; it must exit with status 1."""
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_records", stdout=io.StringIO(), stderr=err)
    assert failure.value.returncode == 1
    return err.getvalue()


def file_meeting(organization, user, *, topic: str, days_ago: int = 3) -> Meeting:
    starts = timezone.now() - datetime.timedelta(days=days_ago)
    meeting = meeting_services.meeting_create(
        organization=organization,
        created_by=user,
        kind=MeetingKind.PARTY_LECTURE,
        topic=topic,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    meeting = meeting_services.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=user)
    return records_services.meeting_file(meeting=meeting, version=meeting.version, filed_by=user)


def attach(meeting: Meeting, user, *, name: str = "签到表.pdf", data: bytes = b"%PDF-1.4 sign-in sheet\n"):
    meeting = Meeting.objects.get(pk=meeting.pk)
    upload = AttachmentUpload(SimpleUploadedFile(name, data), name, "application/pdf")
    return attachments_services.attachment_add(
        meeting=meeting, version=meeting.version, uploads=[upload], uploaded_by=user, reason="补充签到表扫描件"
    )[0]


def execute(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# A clean history ----------------------------------------------------------------------------------------------------


def test_it_verifies_a_clean_history_of_filings_amendments_and_attachments(
    filed_meeting, branch, secretary, branch_members
):
    second = file_meeting(branch, secretary, topic="党课：党的历史")
    meeting = Meeting.objects.get(pk=filed_meeting.pk)
    records_services.meeting_amend(
        meeting=meeting,
        version=meeting.version,
        amended_by=secretary,
        reason="补记一名请假党员的事由",
        entries={branch_members[2].pk: AttendanceEntry(AttendanceStatus.LEAVE, "外出培训")},
    )
    attach(second, secretary)

    assert verify().strip() == "已校验 2 条归档记录，全部一致。"
    entries = list(RecordChainEntry.objects.filter(organization=branch).order_by("sequence"))
    assert [e.sequence for e in entries] == [1, 2, 3, 4]
    assert entries[0].previous_signature == ""
    links = zip(entries, entries[1:], strict=False)
    assert all(later.previous_signature == earlier.signature for earlier, later in links)
    assert all(len(v.signature) == 64 for v in MeetingVersion.objects.all())


# The eight tamperings ---------------------------------------------------------------------------------------------


def test_case_1_it_detects_an_edited_field_of_a_filed_meeting(filed_meeting):
    execute("UPDATE activities_meeting SET minutes = %s WHERE id = %s", ["事后改写的纪要", filed_meeting.pk])

    err = verify_fails()

    assert f"#{filed_meeting.pk} " in err
    assert "当前记录与最后归档版本（第1版）不一致" in err


def test_case_2_it_detects_edited_attendance(filed_meeting, branch_members):
    Attendance.objects.filter(meeting=filed_meeting, member=branch_members[1]).update(status=AttendanceStatus.ABSENT)

    err = verify_fails()

    assert f"#{filed_meeting.pk} " in err and "当前记录与最后归档版本（第1版）不一致" in err


def test_case_3_it_detects_an_edited_content_of_the_last_version(filed_meeting):
    version = MeetingVersion.objects.get(meeting=filed_meeting)
    content = version.content
    content["fields"]["minutes"] = "事后补写的纪要"
    MeetingVersion.objects.filter(pk=version.pk).update(content=content)

    err = verify_fails()

    assert "第1版的归档内容与其摘要不符" in err


def test_case_4_it_detects_a_recomputed_content_and_hash(filed_meeting):
    """The attacker rewrites the record, its last version's content and that content's SHA-256 consistently:
    only the signature, which needs the key, tells."""
    execute("UPDATE activities_meeting SET minutes = %s WHERE id = %s", ["改写后的纪要", filed_meeting.pk])
    version = MeetingVersion.objects.get(meeting=filed_meeting)
    content = records_services.meeting_snapshot(records_services._fresh(filed_meeting))
    MeetingVersion.objects.filter(pk=version.pk).update(
        content=content, content_hash=records_services.content_hash(content)
    )

    err = verify_fails()

    assert "第1版的归档内容与其摘要不符" not in err and "当前记录与最后归档版本" not in err
    assert "第1版的签名不符" in err
    assert "第1版与链中记载的摘要不符" in err


def test_case_5_it_detects_a_filed_meeting_set_back_to_held(filed_meeting, branch):
    execute(
        "UPDATE activities_meeting SET status = %s, filed_at = NULL, filed_by_id = NULL WHERE id = %s",
        [MeetingStatus.HELD, filed_meeting.pk],
    )

    err = verify_fails()

    assert f"#{filed_meeting.pk} " in err
    assert "记载的会议已不是归档状态（现为“已召开”）" in err


def test_case_6_it_detects_a_filed_meeting_deleted_with_its_versions(filed_meeting, branch):
    pk = filed_meeting.pk
    Meeting.objects.filter(pk=pk).delete()  # with its versions, attendance and counted kinds (cascade)
    assert not MeetingVersion.objects.filter(meeting_id=pk).exists()

    err = verify_fails()

    assert f"#{pk} {branch.name}（会议已不存在）" in err
    assert f"归档记录链第1条记载的会议#{pk}已被删除" in err


def test_case_7_it_detects_a_changed_filed_by(filed_meeting):
    impostor = UserFactory(username="impostor")
    Meeting.objects.filter(pk=filed_meeting.pk).update(filed_by=impostor)

    err = verify_fails()

    assert f"#{filed_meeting.pk} " in err and "第1版的签名不符" in err


def test_case_7_it_detects_a_changed_filed_at(filed_meeting):
    Meeting.objects.filter(pk=filed_meeting.pk).update(filed_at=filed_meeting.filed_at - datetime.timedelta(days=30))

    err = verify_fails()

    assert f"#{filed_meeting.pk} " in err and "第1版的签名不符" in err


def test_case_8_it_detects_an_attachment_replaced_on_disk(filed_meeting, secretary):
    attachment = attach(filed_meeting, secretary)
    assert "全部一致" in verify()
    Path(attachment.file.path).write_bytes(b"%PDF-1.4 a different sheet\n")

    err = verify_fails()

    assert f"#{filed_meeting.pk} " in err
    assert "附件“签到表.pdf”的文件与归档时的摘要不符（文件被替换或改动）" in err


def test_it_detects_an_attachment_removed_from_disk(filed_meeting, secretary):
    attachment = attach(filed_meeting, secretary)
    Path(attachment.file.path).unlink()

    assert "附件“签到表.pdf”的文件已不存在" in verify_fails()


# The key ----------------------------------------------------------------------------------------------------------


def test_it_fails_every_signature_loudly_with_the_wrong_key(filed_meeting, branch, secretary, settings):
    file_meeting(branch, secretary, topic="党课：党的历史")
    settings.RECORDS_SIGNING_KEY = "another-key-that-did-not-sign-these-records-0123456789"

    err = verify_fails()

    lines = err.strip().splitlines()
    assert "4个签名全部不符：当前的 RECORDS_SIGNING_KEY 很可能不是签名时使用的密钥" in lines[0]
    assert sum("第1版的签名不符" in line for line in lines) == 2
    assert sum("的归档记录链第" in line and "条的签名不符" in line for line in lines) == 2


def test_it_names_unsigned_versions_and_sign_records_signs_them_once(filed_meeting, branch, secretary):
    """Records filed before signing existed: verify_records names them until `sign_records` signs and chains
    them; a second run signs nothing."""
    chain_wipe()
    MeetingVersion.objects.update(signature="")
    err = verify_fails()
    assert "第1版没有签名" in err and "第1版不在归档记录链中" in err

    out = io.StringIO()
    call_command("sign_records", stdout=out)

    assert "已为 1 个归档版本签名" in out.getvalue()
    assert "全部一致" in verify()
    out = io.StringIO()
    call_command("sign_records", stdout=out)
    assert "已为 0 个归档版本签名" in out.getvalue()


def test_sign_records_refuses_a_version_that_no_longer_matches_its_hash(filed_meeting):
    chain_wipe()
    MeetingVersion.objects.update(signature="", content_hash="0" * 64)
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 个归档版本未签名"):
        call_command("sign_records", stdout=io.StringIO(), stderr=err)

    assert f"会议#{filed_meeting.pk} 第1版：归档内容与其摘要不符" in err.getvalue()
    assert not RecordChainEntry.objects.exists()


# The chain --------------------------------------------------------------------------------------------------------


def test_the_database_refuses_update_and_delete_on_the_chain(filed_meeting):
    assert chain_triggers()  # installed by migration 0004, on PostgreSQL and SQLite alike
    entry = RecordChainEntry.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RecordChainEntry.objects.filter(pk=entry.pk).update(content_hash="0" * 64)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        execute("DELETE FROM activities_recordchainentry WHERE id = %s", [entry.pk])
    assert RecordChainEntry.objects.get().content_hash == entry.content_hash


def test_it_lists_the_chain_heads_of_a_subtree_in_one_query(
    filed_meeting, branch, secretary, other_branch, other_branch_secretary, django_assert_num_queries
):
    second = file_meeting(branch, secretary, topic="党课：党的历史")
    file_meeting(other_branch, other_branch_secretary, topic="西城党课")
    city = other_branch.parent.parent
    assert branch.path.startswith(city.path)

    with django_assert_num_queries(1):
        heads = chain_heads(city)

    by_code = {head.organization.code: head for head in heads}
    assert set(by_code) == {branch.code, other_branch.code}
    last = RecordChainEntry.objects.get(meeting_id=second.pk)
    assert (by_code[branch.code].sequence, by_code[branch.code].signature) == (2, last.signature)
    assert by_code[branch.code].signature_prefix == last.signature[:16]
    assert [head.organization for head in chain_heads(branch)] == [branch]


@pytest.mark.django_db(transaction=True)
def test_two_filings_at_once_never_fork_the_chain(branch, secretary):
    """Two filings of one organisation in two connections at the same moment: the second waits for the first's
    lock on the organisation and appends after it (PostgreSQL; SQLite has one writer at a time)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter")
    meetings = []
    for topic in ("党课一", "党课二"):
        starts = timezone.now() - datetime.timedelta(days=3)
        meeting = meeting_services.meeting_create(
            organization=branch,
            created_by=secretary,
            kind=MeetingKind.PARTY_LECTURE,
            topic=topic,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
        )
        meetings.append(
            meeting_services.attendance_record(
                meeting=meeting, version=meeting.version, entries={}, recorded_by=secretary
            )
        )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def file(meeting: Meeting) -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                records_services.meeting_file(meeting=meeting, version=meeting.version, filed_by=secretary)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=file, args=(meeting,)) for meeting in meetings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    entries = list(RecordChainEntry.objects.filter(organization=branch).order_by("sequence"))
    assert [e.sequence for e in entries] == [1, 2]
    assert entries[1].previous_signature == entries[0].signature
    assert "全部一致" in verify()
