"""Meeting attachments (photos, scans, documents): content checked, stored under random names with their
SHA-256, images with a thumbnail. On a filed meeting adding or removing one is an amendment with a reason."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from activities.meetings.services import claim_version
from activities.models import (
    Meeting,
    MeetingAttachment,
    MeetingStatus,
    MeetingVersion,
)
from activities.records.services import AMENDMENT_REASON_MIN_LENGTH, version_add
from branches.models import User

# Thumbnails of images fit in this square (JPEG), enough for a list on a phone and on a wide screen.
THUMBNAIL_SIZE = 320


@dataclass(frozen=True)
class AttachmentUpload:
    """One uploaded file with its type as read from its content (activities.attachments.forms)."""

    file: Any  # django.core.files.File (an UploadedFile from a form)
    name: str
    content_type: str


@dataclass(frozen=True)
class PreparedAttachment:
    upload: AttachmentUpload
    sha256: str
    thumbnail: bytes | None


def _amendment_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < AMENDMENT_REASON_MIN_LENGTH:
        raise ValidationError({"reason": _("请写明更正原因（至少%(n)d个字）。") % {"n": AMENDMENT_REASON_MIN_LENGTH}})
    return reason


def _sha256(file: Any) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _thumbnail_jpeg(file: Any) -> bytes:
    """A JPEG of the image (first frame, turned upright by its EXIF orientation) within THUMBNAIL_SIZE px.
    Raises ValueError when the image cannot be decoded."""
    import io

    from PIL import Image, ImageOps, UnidentifiedImageError

    file.seek(0)
    try:
        with Image.open(file) as image:
            image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
            upright = ImageOps.exif_transpose(image)
            if upright.mode not in ("RGB", "L"):
                rgba = upright.convert("RGBA")
                upright = Image.new("RGB", rgba.size, "white")
                upright.paste(rgba, mask=rgba.getchannel("A"))
            buffer = io.BytesIO()
            upright.save(buffer, format="JPEG", quality=82, optimize=True)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValueError(str(error)) from error
    finally:
        file.seek(0)
    return buffer.getvalue()


def uploads_prepare(uploads: Iterable[AttachmentUpload]) -> list[PreparedAttachment]:
    """Hash every file and make the thumbnails, before anything is stored; the errors name each bad file."""
    prepared, errors = [], []
    for upload in uploads:
        thumbnail = None
        if upload.content_type.startswith("image/"):
            try:
                thumbnail = _thumbnail_jpeg(upload.file)
            except ValueError:
                errors.append(
                    _("“%(name)s”的图片内容不完整或已损坏，无法读取，请重新导出后上传。") % {"name": upload.name}
                )
                continue
        prepared.append(PreparedAttachment(upload, _sha256(upload.file), thumbnail))
    if errors:
        raise ValidationError({"files": errors})
    return prepared


def _locked_status(meeting: Meeting) -> tuple[str, int]:
    """The meeting's status and version now, with its row locked until the end of the transaction (so that
    filing, which snapshots the attachments, cannot run in between)."""
    return Meeting.objects.select_for_update().filter(pk=meeting.pk).values_list("status", "version").get()


@transaction.atomic
def attachment_add(
    *,
    meeting: Meeting,
    version: int,
    uploads: Iterable[AttachmentUpload],
    uploaded_by: User | None,
    reason: str = "",
) -> list[MeetingAttachment]:
    """Attach files (photos, scans, PDFs) to a meeting: all or none. Images get a JPEG thumbnail.

    For a filed meeting this is an amendment: it needs a reason and is stored as the next version (with the
    files' hashes), after checking that nobody changed the meeting since `version`. An unfiled meeting's version
    is left alone, so adding photos never collides with somebody editing the record.
    """
    from django.core.files.base import ContentFile

    uploads = list(uploads)
    if not uploads:
        raise ValidationError({"files": _("请选择要上传的文件。")})
    status, _current = _locked_status(meeting)
    filed = status == MeetingStatus.FILED
    if filed:
        reason = _amendment_reason(reason)
    prepared = uploads_prepare(uploads)
    if filed:
        claim_version(meeting, version)
    attachments: list[MeetingAttachment] = []
    stored: list[tuple[Any, str]] = []
    try:
        for item in prepared:
            attachment = MeetingAttachment(
                meeting=meeting,
                original_name=item.upload.name[:200],
                content_type=item.upload.content_type,
                size=item.upload.file.size,
                sha256=item.sha256,
                uploaded_by=uploaded_by,
            )
            attachment.full_clean(
                exclude=["file", "thumbnail"] if uploaded_by else ["file", "thumbnail", "uploaded_by"]
            )
            attachment.file.save(item.upload.name, item.upload.file, save=False)
            stored.append((attachment.file.storage, attachment.file.name))  # type: ignore[arg-type]  # a saved file has a name
            if item.thumbnail is not None:
                attachment.thumbnail.save("thumbnail.jpg", ContentFile(item.thumbnail), save=False)
                stored.append((attachment.thumbnail.storage, attachment.thumbnail.name))  # type: ignore[arg-type]  # a saved file has a name
            attachment.save()
            attachments.append(attachment)
        if filed:
            version_add(meeting, by=uploaded_by, reason=reason)
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise
    return attachments


@transaction.atomic
def attachment_delete(
    *, attachment: MeetingAttachment, version: int, deleted_by: User | None, reason: str = ""
) -> MeetingVersion | None:
    """Remove an attachment and its files. For a filed meeting this is an amendment with a reason, stored as the
    next version (the earlier versions keep the file's hash). Returns that version, or None."""
    meeting = attachment.meeting
    status, _current = _locked_status(meeting)
    filed = status == MeetingStatus.FILED
    if filed:
        reason = _amendment_reason(reason)
        claim_version(meeting, version)
    files = [(field.storage, field.name) for field in (attachment.file, attachment.thumbnail) if field]
    attachment.delete()
    new_version = version_add(meeting, by=deleted_by, reason=reason) if filed else None

    def remove_files() -> None:
        for storage, name in files:
            storage.delete(name)  # type: ignore[arg-type]  # a saved file has a name

    transaction.on_commit(remove_files)
    return new_version


def prepared_files_save(attachment: Any, item: PreparedAttachment, stored: list[tuple[Any, str]]) -> None:
    """Save a prepared upload's file (and thumbnail) into a model with `file` and `thumbnail` fields, without
    saving the row; each stored file is appended to `stored`, for the caller to delete if the transaction fails."""
    from django.core.files.base import ContentFile

    attachment.file.save(item.upload.name, item.upload.file, save=False)
    stored.append((attachment.file.storage, attachment.file.name))
    if item.thumbnail is not None:
        attachment.thumbnail.save("thumbnail.jpg", ContentFile(item.thumbnail), save=False)
        stored.append((attachment.thumbnail.storage, attachment.thumbnail.name))
