"""Meeting attachments: uploads checked by content and size, thumbnails, serving through the access scope,
and adding or removing files on a filed meeting as an amendment that keeps the content hash check passing."""

import hashlib
import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from activities.attachments import services as attachments_services
from activities.attachments.services import AttachmentUpload
from activities.meetings.services import ConcurrentEditError
from activities.models import MeetingAttachment, MeetingVersion
from activities.records import services as records_services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def image_bytes(size=(8, 8), image_format="PNG", mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (183, 28, 28) if mode == "RGB" else None).save(buffer, format=image_format)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def stored_files(media_root) -> list:
    return sorted(path for path in media_root.rglob("*") if path.is_file()) if media_root.exists() else []


def upload_url(meeting) -> str:
    return reverse("activities:attachment_upload", args=[meeting.pk])


def file_url(attachment) -> str:
    return reverse("activities:attachment_file", args=[attachment.pk])


def thumbnail_url(attachment) -> str:
    return reverse("activities:attachment_thumbnail", args=[attachment.pk])


def delete_url(attachment) -> str:
    return reverse("activities:attachment_delete", args=[attachment.pk])


def status_of(client, url: str) -> int:
    """GET the url and read a file response to its end: the test client then closes it (and the file) without
    closing the database connection, which an explicit response.close() would do on PostgreSQL."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


def detail_url(meeting) -> str:
    return reverse("activities:meeting_detail", args=[meeting.pk])


def add(meeting, *files, by=None, reason="") -> list[MeetingAttachment]:
    """Attach (name, content, content_type) triples through the service."""
    uploads = [AttachmentUpload(SimpleUploadedFile(name, content), name, kind) for name, content, kind in files]
    return attachments_services.attachment_add(
        meeting=meeting, version=meeting.version, uploads=uploads, uploaded_by=by, reason=reason
    )


@pytest.fixture
def photo(held_meeting, secretary):
    return add(held_meeting, ("会场照片.png", image_bytes((640, 480)), "image/png"), by=secretary)[0]


@pytest.fixture
def scan(held_meeting, secretary):
    return add(held_meeting, ("签到表.pdf", PDF, "application/pdf"), by=secretary)[0]


# Uploading -----------------------------------------------------------------------------------------------------


def test_it_uploads_three_photos_at_once_with_thumbnails(client, held_meeting, secretary, media_root):
    photos = [
        SimpleUploadedFile("会场1.jpg", image_bytes((1200, 900), "JPEG"), content_type="image/jpeg"),
        SimpleUploadedFile("会场2.png", image_bytes((300, 200)), content_type="image/png"),
        SimpleUploadedFile("会场3.webp", image_bytes((500, 800), "WEBP"), content_type="image/webp"),
    ]
    contents = [photo.read() for photo in photos]
    for photo in photos:
        photo.seek(0)
    client.force_login(secretary)
    version = held_meeting.version

    response = client.post(upload_url(held_meeting), {"files": photos})

    assert response.status_code == 302
    assert response.url == f"{detail_url(held_meeting)}#attachments"
    attachments = list(MeetingAttachment.objects.filter(meeting=held_meeting).order_by("pk"))
    assert [a.original_name for a in attachments] == ["会场1.jpg", "会场2.png", "会场3.webp"]
    assert [a.content_type for a in attachments] == ["image/jpeg", "image/png", "image/webp"]
    for attachment, content in zip(attachments, contents, strict=True):
        assert attachment.sha256 == hashlib.sha256(content).hexdigest()
        assert attachment.size == len(content)
        assert attachment.uploaded_by == secretary
        assert re.fullmatch(r"meetings/[0-9a-f]{32}", attachment.file.name)
        assert re.fullmatch(r"meetings/[0-9a-f]{32}", attachment.thumbnail.name)
        with Image.open(attachment.thumbnail.path) as thumbnail:
            assert thumbnail.format == "JPEG"
            assert max(thumbnail.size) <= attachments_services.THUMBNAIL_SIZE
    with Image.open(attachments[0].thumbnail.path) as thumbnail:
        assert thumbnail.size == (320, 240)
    assert len(stored_files(media_root)) == 6
    held_meeting.refresh_from_db()
    assert held_meeting.version == version, "adding photos to an unfiled meeting must not disturb its editors"


def test_it_makes_no_thumbnail_for_a_pdf(scan, client, member_user):
    assert scan.content_type == "application/pdf"
    assert not scan.thumbnail
    client.force_login(member_user)
    assert client.get(thumbnail_url(scan)).status_code == 404


def test_it_makes_a_thumbnail_of_a_transparent_gif(held_meeting, secretary):
    buffer = io.BytesIO()
    Image.new("RGBA", (400, 100), (0, 0, 0, 0)).save(buffer, format="GIF")
    attachment = add(held_meeting, ("标语.gif", buffer.getvalue(), "image/gif"))[0]

    with Image.open(attachment.thumbnail.path) as thumbnail:
        assert thumbnail.format == "JPEG" and thumbnail.size == (320, 80)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("图片.pdf", image_bytes(), "“图片.pdf”的扩展名与文件内容不符（内容为image/png），请检查后重新上传。"),
        (
            "照片.jpg",
            "这是一个文本文件。".encode(),
            "无法识别“照片.jpg”的文件内容。附件只能是照片（JPEG、PNG、WebP、GIF）或PDF文件。",
        ),
        ("页面.pdf", b"<html><script>alert(1)</script></html>", "无法识别“页面.pdf”的文件内容"),
        ("坏图.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "无法识别“坏图.png”的文件内容"),
        ("纪要.docx", docx_bytes(), "无法识别“纪要.docx”的文件内容"),
        ("空白.jpg", b"", "“空白.jpg”是空文件，请重新选择。"),
    ],
    ids=["png-named-pdf", "text-named-jpg", "html-named-pdf", "broken-png", "docx", "empty"],
)
def test_it_refuses_a_file_that_is_not_what_it_claims(
    client, held_meeting, secretary, media_root, name, content, message
):
    client.force_login(secretary)

    response = client.post(
        upload_url(held_meeting), {"files": [SimpleUploadedFile(name, content, content_type="image/jpeg")]}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MeetingAttachment.objects.exists()
    assert stored_files(media_root) == []


def test_it_stores_nothing_when_one_of_several_files_is_bad(client, held_meeting, secretary, media_root):
    client.force_login(secretary)
    files = [
        SimpleUploadedFile("好照片.png", image_bytes()),
        SimpleUploadedFile("假照片.jpg", b"not an image at all"),
        SimpleUploadedFile("签到表.pdf", PDF),
    ]

    response = client.post(upload_url(held_meeting), {"files": files})

    content = response.content.decode()
    assert response.status_code == 200
    assert "无法识别“假照片.jpg”的文件内容" in content
    assert "好照片.png" not in content.split("无法识别")[1], "only the bad file is named in the error"
    assert not MeetingAttachment.objects.exists()
    assert stored_files(media_root) == []


def test_it_stores_nothing_when_an_image_turns_out_truncated(held_meeting, secretary, media_root):
    whole = image_bytes((800, 600), "JPEG")
    buffer = io.BytesIO()
    Image.effect_noise((800, 600), 50).convert("RGB").save(buffer, format="JPEG")
    truncated = buffer.getvalue()[: len(buffer.getvalue()) // 2]

    with pytest.raises(ValidationError, match="“半张.jpg”的图片内容不完整或已损坏"):
        add(held_meeting, ("整张.jpg", whole, "image/jpeg"), ("半张.jpg", truncated, "image/jpeg"))

    assert not MeetingAttachment.objects.exists()
    assert stored_files(media_root) == []


def test_it_shows_a_truncated_image_on_the_form(client, held_meeting, secretary):
    buffer = io.BytesIO()
    Image.effect_noise((800, 600), 50).convert("RGB").save(buffer, format="JPEG")
    client.force_login(secretary)

    response = client.post(
        upload_url(held_meeting), {"files": [SimpleUploadedFile("半张.jpg", buffer.getvalue()[:40000])]}
    )

    assert response.status_code == 200
    assert "“半张.jpg”的图片内容不完整或已损坏" in response.content.decode()
    assert not MeetingAttachment.objects.exists()


def test_it_refuses_an_oversized_file(client, held_meeting, secretary, settings, media_root):
    settings.MEETING_UPLOAD_MAX_BYTES = 1024
    client.force_login(secretary)

    response = client.post(upload_url(held_meeting), {"files": [SimpleUploadedFile("大文件.pdf", PDF * 20)]})

    assert response.status_code == 200
    assert "“大文件.pdf”超过了1.0\xa0KB（该文件为1.5\xa0KB），请压缩后再上传。" in response.content.decode()
    assert not MeetingAttachment.objects.exists()
    assert stored_files(media_root) == []


def test_it_limits_files_to_10_mb_by_default(client, held_meeting, secretary, settings):
    del settings.MEETING_UPLOAD_MAX_BYTES
    client.force_login(secretary)
    content = PDF + b"0" * (10 * 1024 * 1024)

    response = client.post(upload_url(held_meeting), {"files": [SimpleUploadedFile("扫描件.pdf", content)]})

    assert "“扫描件.pdf”超过了10.0\xa0MB" in response.content.decode()
    assert not MeetingAttachment.objects.exists()


def test_it_reads_the_limit_from_the_environment_setting():
    from django.conf import settings

    assert settings.MEETING_UPLOAD_MAX_BYTES == 10 * 1024 * 1024


def test_it_asks_for_a_file(client, held_meeting, secretary):
    client.force_login(secretary)

    response = client.post(upload_url(held_meeting), {})

    assert response.status_code == 200
    assert "请选择要上传的文件。" in response.content.decode()


def test_it_limits_the_number_of_files_in_one_upload(client, held_meeting, secretary):
    client.force_login(secretary)
    files = [SimpleUploadedFile(f"{n}.pdf", PDF) for n in range(21)]

    response = client.post(upload_url(held_meeting), {"files": files})

    assert "一次最多上传20个文件（您选择了21个），请分批上传。" in response.content.decode()
    assert not MeetingAttachment.objects.exists()


def test_it_shows_the_upload_form_with_a_multiple_file_input(client, held_meeting, secretary):
    client.force_login(secretary)

    response = client.get(upload_url(held_meeting))

    content = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<input type="file" name="files"[^>]* multiple', content)
    assert 'enctype="multipart/form-data"' in content
    assert "更正原因" not in content


def test_it_lets_a_district_officer_above_upload(client, held_meeting, district_officer):
    client.force_login(district_officer)

    response = client.post(upload_url(held_meeting), {"files": [SimpleUploadedFile("签到表.pdf", PDF)]})

    assert response.status_code == 302
    assert MeetingAttachment.objects.get().uploaded_by == district_officer


# Serving -------------------------------------------------------------------------------------------------------


def test_it_serves_a_photo_inline_to_a_member_of_the_branch(client, photo, member_user):
    client.force_login(member_user)

    response = client.get(file_url(photo))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline")
    assert "filename*=utf-8''%E4%BC%9A%E5%9C%BA%E7%85%A7%E7%89%87.png" in disposition
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == photo.sha256


def test_it_serves_a_pdf_inline(client, scan, member_user):
    client.force_login(member_user)

    response = client.get(file_url(scan))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == PDF


def test_it_serves_the_thumbnail_as_jpeg(client, photo, member_user):
    client.force_login(member_user)

    response = client.get(thumbnail_url(photo))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as thumbnail:
        assert thumbnail.format == "JPEG" and thumbnail.size == (320, 240)


def test_it_lets_a_district_officer_above_see_the_files(client, photo, district_officer):
    client.force_login(district_officer)

    assert status_of(client, file_url(photo)) == 200
    assert status_of(client, thumbnail_url(photo)) == 200


def test_it_answers_404_when_the_stored_file_is_gone(client, photo, member_user):
    photo.file.storage.delete(photo.file.name)
    client.force_login(member_user)

    assert client.get(file_url(photo)).status_code == 404


def test_it_never_links_to_a_public_media_url(held_meeting, photo, member_user):
    html = _render_list(held_meeting, member_user, can_manage=False)

    assert "/media/" not in html
    assert photo.file.name not in html


def test_it_serves_a_file_in_a_fixed_number_of_queries(client, photo, member_user, django_assert_max_num_queries):
    client.force_login(member_user)

    with django_assert_max_num_queries(5):
        response = client.get(file_url(photo))

    assert b"".join(response.streaming_content)
    assert response.status_code == 200


# Who may do what -----------------------------------------------------------------------------------------------


def test_it_lets_a_member_look_but_not_upload_or_delete(client, held_meeting, photo, member_user):
    client.force_login(member_user)

    assert status_of(client, file_url(photo)) == 200
    assert client.get(upload_url(held_meeting)).status_code == 403
    assert client.post(upload_url(held_meeting), {"files": [SimpleUploadedFile("a.pdf", PDF)]}).status_code == 403
    assert client.get(delete_url(photo)).status_code == 403
    assert client.post(delete_url(photo)).status_code == 403
    assert MeetingAttachment.objects.get() == photo


def test_it_answers_404_for_every_attachment_url_outside_the_scope(client, held_meeting, photo, other_branch_secretary):
    client.force_login(other_branch_secretary)

    for url in (upload_url(held_meeting), file_url(photo), thumbnail_url(photo), delete_url(photo)):
        assert client.get(url).status_code == 404, url
    assert client.post(upload_url(held_meeting), {"files": [SimpleUploadedFile("a.pdf", PDF)]}).status_code == 404
    assert client.post(delete_url(photo)).status_code == 404
    assert MeetingAttachment.objects.get() == photo


def test_it_answers_404_to_a_member_of_a_sibling_branch(client, photo, sibling_branch):
    from tests.factories import MemberFactory, UserFactory

    user = UserFactory()
    MemberFactory(organization=sibling_branch, user=user)
    client.force_login(user)

    assert client.get(file_url(photo)).status_code == 404
    assert client.get(thumbnail_url(photo)).status_code == 404


def test_it_sends_an_anonymous_visitor_to_log_in(client, held_meeting, photo):
    for url in (upload_url(held_meeting), file_url(photo), thumbnail_url(photo), delete_url(photo)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("account_login")), url


# Deleting ------------------------------------------------------------------------------------------------------


def test_it_deletes_an_attachment_and_its_files(
    client, held_meeting, photo, secretary, media_root, django_capture_on_commit_callbacks
):
    client.force_login(secretary)
    assert "确定从" in client.get(delete_url(photo)).content.decode()
    assert len(stored_files(media_root)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(photo))

    assert response.status_code == 302
    assert response.url == f"{detail_url(held_meeting)}#attachments"
    assert not MeetingAttachment.objects.exists()
    assert stored_files(media_root) == []
    assert not MeetingVersion.objects.filter(meeting=held_meeting).exists()


# Filed meetings: amendments ------------------------------------------------------------------------------------


def test_it_asks_for_a_reason_to_add_a_file_to_a_filed_meeting(client, filed_meeting, secretary, media_root):
    client.force_login(secretary)
    assert "更正原因" in client.get(upload_url(filed_meeting)).content.decode()

    response = client.post(upload_url(filed_meeting), {"files": [SimpleUploadedFile("签到表.pdf", PDF)]})

    assert response.status_code == 200
    assert "请写明更正原因（至少5个字）。" in response.content.decode()
    assert not MeetingAttachment.objects.exists()
    assert MeetingVersion.objects.filter(meeting=filed_meeting).count() == 1
    assert stored_files(media_root) == []


def test_it_refuses_a_too_short_reason(client, filed_meeting, secretary):
    client.force_login(secretary)

    response = client.post(
        upload_url(filed_meeting), {"files": [SimpleUploadedFile("签到表.pdf", PDF)], "reason": "补"}
    )

    assert "请写明更正原因（至少5个字）。" in response.content.decode()
    assert not MeetingAttachment.objects.exists()


def test_it_records_adding_a_file_to_a_filed_meeting_as_a_new_version(client, filed_meeting, secretary):
    client.force_login(secretary)
    reason = "补充会后找到的签到表扫描件"

    response = client.post(
        upload_url(filed_meeting), {"files": [SimpleUploadedFile("签到表.pdf", PDF)], "reason": reason}
    )

    assert response.status_code == 302
    attachment = MeetingAttachment.objects.get()
    first, second = MeetingVersion.objects.filter(meeting=filed_meeting).order_by("number")
    assert first.content["attachments"] == []
    assert second.number == 2 and second.reason == reason and second.created_by == secretary
    assert second.content["attachments"] == [attachment.sha256]
    assert records_services.records_verify() == (1, [])


def test_it_records_removing_a_file_from_a_filed_meeting_as_a_new_version(
    client, filed_meeting, secretary, media_root, django_capture_on_commit_callbacks
):
    attachment = add(filed_meeting, ("会场照片.png", image_bytes(), "image/png"), by=secretary, reason="补充会场照片")[
        0
    ]
    client.force_login(secretary)
    assert "更正原因" in client.get(delete_url(attachment)).content.decode()

    refused = client.post(delete_url(attachment), {"reason": ""})
    assert "请写明更正原因（至少5个字）。" in refused.content.decode()
    assert MeetingAttachment.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(attachment), {"reason": "照片与本次活动无关，误传"})

    assert response.status_code == 302
    assert not MeetingAttachment.objects.exists()
    versions = list(MeetingVersion.objects.filter(meeting=filed_meeting).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[1].content["attachments"] == [attachment.sha256]
    assert versions[2].content["attachments"] == [] and versions[2].reason == "照片与本次活动无关，误传"
    assert stored_files(media_root) == []
    assert records_services.records_verify() == (1, [])


def test_it_refuses_a_stale_amendment_and_stores_nothing(filed_meeting, secretary, media_root):
    stale = filed_meeting.version
    records_services.meeting_amend(
        meeting=filed_meeting, version=stale, amended_by=secretary, reason="更正会议地点", location="二楼"
    )

    with pytest.raises(ConcurrentEditError):
        attachments_services.attachment_add(
            meeting=filed_meeting,
            version=stale,
            uploads=[AttachmentUpload(SimpleUploadedFile("a.pdf", PDF), "a.pdf", "application/pdf")],
            uploaded_by=secretary,
            reason="补充签到表扫描件",
        )

    assert not MeetingAttachment.objects.exists()
    assert stored_files(media_root) == []
    assert records_services.records_verify() == (1, [])


def test_it_keeps_the_hash_check_passing_after_files_were_added_before_filing(held_meeting, secretary, photo):
    meeting = records_services.meeting_file(meeting=held_meeting, version=held_meeting.version, filed_by=secretary)

    assert MeetingVersion.objects.get(meeting=meeting).content["attachments"] == [photo.sha256]
    assert records_services.records_verify() == (1, [])


# The list partial (included in the meeting detail page) ---------------------------------------------------------


def _render_list(meeting, user, *, can_manage: bool) -> str:
    request = RequestFactory().get("/")
    request.user = user
    attachments = list(meeting.attachments.all())
    context = {"meeting": meeting, "attachments": attachments, "can_manage": can_manage}
    return render_to_string("activities/partials/_attachments.html", context, request=request)


def test_it_lists_thumbnails_and_pdfs_for_a_member(held_meeting, photo, scan, member_user):
    html = _render_list(held_meeting, member_user, can_manage=False)

    assert f'src="{thumbnail_url(photo)}"' in html
    assert f'href="{file_url(photo)}"' in html and f'href="{file_url(scan)}"' in html
    assert "签到表.pdf" in html and "会场照片.png" in html
    assert thumbnail_url(scan) not in html
    assert upload_url(held_meeting) not in html and delete_url(photo) not in html


def test_it_offers_upload_and_delete_to_a_manager(held_meeting, photo, secretary):
    html = _render_list(held_meeting, secretary, can_manage=True)

    assert upload_url(held_meeting) in html and delete_url(photo) in html
    assert "上传附件" in html


def test_it_says_attachments_are_optional_when_there_are_none(held_meeting, member_user):
    html = _render_list(held_meeting, member_user, can_manage=False)

    assert "暂无附件" in html and "不是必需的" in html


def test_it_labels_the_upload_on_a_filed_meeting_as_an_amendment(filed_meeting, secretary):
    assert "补充附件（更正）" in _render_list(filed_meeting, secretary, can_manage=True)


def test_it_stores_a_file_larger_than_the_in_memory_upload_limit(client, held_meeting, secretary, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # the upload goes through a temporary file on disk
    content = PDF + b"0" * 4096
    client.force_login(secretary)

    response = client.post(upload_url(held_meeting), {"files": [SimpleUploadedFile("会议纪要扫描件.pdf", content)]})

    assert response.status_code == 302
    attachment = MeetingAttachment.objects.get()
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


def test_it_refuses_an_image_over_the_pixel_limit_before_decoding_it(
    client, held_meeting, secretary, settings, media_root
):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 1_000_000
    big = SimpleUploadedFile("全景.png", image_bytes(size=(1200, 1000), mode="L"), content_type="image/png")
    client.force_login(secretary)

    response = client.post(upload_url(held_meeting), {"files": [big]})

    assert response.status_code == 200
    assert "“全景.png”的图片像素过大（120万像素，上限100万像素），请缩小后再上传。" in response.content.decode()
    assert not MeetingAttachment.objects.exists() and stored_files(media_root) == []


def test_it_accepts_an_image_at_the_pixel_limit(client, held_meeting, secretary, settings, media_root):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 1_000_000
    exact = SimpleUploadedFile("正好.png", image_bytes(size=(1000, 1000), mode="L"), content_type="image/png")
    client.force_login(secretary)

    client.post(upload_url(held_meeting), {"files": [exact]})

    assert MeetingAttachment.objects.filter(original_name="正好.png").exists()


def test_it_names_a_decompression_bomb_as_too_large_not_unreadable(held_meeting, secretary, settings, monkeypatch):
    # Pillow refuses images far over its own limit in open(); that is the same problem for the user.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)
    bomb = SimpleUploadedFile("炸弹.png", image_bytes(size=(800, 800), mode="L"), content_type="image/png")
    from activities.attachments.forms import AttachmentUploadForm

    form = AttachmentUploadForm(data={}, files={"files": [bomb]}, meeting=held_meeting)

    assert not form.is_valid()
    assert "“炸弹.png”的图片像素过大（?万像素" in str(form.errors)
