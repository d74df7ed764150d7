"""学习资料: who sees what, search, reading records, attachments checked by content and served through a view."""

import datetime
import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from branches.models import RoleKind
from portal.uploads import DOCX_TYPE
from study.materials import services
from study.models import MaterialCategory, MaterialRead, StudyMaterial
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, UserFactory, give_role
from tests.study.member_tasks import make_task

pytestmark = pytest.mark.django_db

LIST_URL = reverse("study:material_list")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def publish(organization, title="学习资料", **fields) -> StudyMaterial:
    fields.setdefault("category", MaterialCategory.LATEST)
    fields.setdefault("body", "正文")
    return services.material_publish(organization=organization, published_by=None, title=title, **fields)


def detail_url(material) -> str:
    return reverse("study:material_detail", args=[material.pk])


def attachment_url(material) -> str:
    return reverse("study:material_attachment", args=[material.pk])


def create_url(organization) -> str:
    return reverse("study:material_create", args=[organization.pk])


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (183, 28, 28)).save(buffer, format="PNG")
    return buffer.getvalue()


def docx_bytes(*, with_document: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if with_document:
            archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def form_data(**overrides) -> dict:
    return {
        "title": "关于新形势下党内政治生活的若干准则",
        "category": MaterialCategory.PARTY_RULES,
        "body": "第一段。\n第二段。",
        "source_url": "https://www.12371.cn/",
        "is_required": "on",
        "published_on": "2026-03-01",
    } | overrides


@pytest.fixture
def tree_materials(city, district, committee, branch, sibling_branch, other_district, other_branch):
    return {
        "city": publish(city, "市委下发的资料"),
        "district": publish(district, "东城区委的资料"),
        "committee": publish(committee, "教育系统党委的资料"),
        "branch": publish(branch, "第一党支部的资料"),
        "sibling": publish(sibling_branch, "第二党支部的资料"),
        "other_district": publish(other_district, "西城区委的资料"),
        "other_branch": publish(other_branch, "西城第一党支部的资料"),
    }


def titles(response) -> set[str]:
    return {material.title for material in response.context["page"].object_list}


# Who sees what ---------------------------------------------------------------------------------------------


def test_it_shows_a_member_what_was_published_above_and_in_their_branch(client, member_user, tree_materials):
    client.force_login(member_user)

    response = client.get(LIST_URL)

    assert titles(response) == {"市委下发的资料", "东城区委的资料", "教育系统党委的资料", "第一党支部的资料"}


def test_it_shows_a_district_officer_the_subtree_and_what_came_from_above(client, district_officer, tree_materials):
    client.force_login(district_officer)

    assert titles(client.get(LIST_URL)) == {
        "市委下发的资料",
        "东城区委的资料",
        "教育系统党委的资料",
        "第一党支部的资料",
        "第二党支部的资料",
    }


def test_it_answers_404_for_a_material_from_another_district(client, secretary, tree_materials):
    material = tree_materials["other_district"]
    material.attachment = SimpleUploadedFile("a.pdf", PDF)
    material.attachment_type = "application/pdf"
    material.save()
    client.force_login(secretary)

    assert client.get(detail_url(material)).status_code == 404
    assert client.get(attachment_url(material)).status_code == 404


def test_it_answers_404_to_the_secretary_of_another_branch(client, other_branch_secretary, tree_materials):
    material = tree_materials["branch"]
    client.force_login(other_branch_secretary)

    assert client.get(detail_url(material)).status_code == 404
    assert client.get(attachment_url(material)).status_code == 404
    assert titles(client.get(LIST_URL)) == {"市委下发的资料", "西城区委的资料", "西城第一党支部的资料"}


def test_it_shows_a_member_a_material_linked_to_their_task_even_from_elsewhere(client, member_user, tree_materials):
    sibling_material = tree_materials["sibling"]
    make_task(member_user.member, due=timezone.localdate(), materials=[sibling_material])
    client.force_login(member_user)

    assert client.get(detail_url(sibling_material)).status_code == 200
    assert "第二党支部的资料" in titles(client.get(LIST_URL))


def test_it_does_not_open_a_material_linked_to_someone_elses_task(client, member_user, secretary, tree_materials):
    sibling_material = tree_materials["sibling"]
    make_task(secretary.member, due=timezone.localdate(), materials=[sibling_material])
    client.force_login(member_user)

    assert client.get(detail_url(sibling_material)).status_code == 404


# The list --------------------------------------------------------------------------------------------------


def test_it_searches_titles_and_body_text(client, member_user, branch):
    publish(branch, "廉洁自律准则", body="坚持公私分明")
    publish(branch, "党史学习", body="学习延安精神，坚持廉洁奉公")
    publish(branch, "先进典型事迹", body="时代楷模")
    client.force_login(member_user)

    assert titles(client.get(LIST_URL, {"q": "廉洁"})) == {"廉洁自律准则", "党史学习"}
    assert titles(client.get(LIST_URL, {"q": "楷模"})) == {"先进典型事迹"}
    assert titles(client.get(LIST_URL, {"q": "不存在的词"})) == set()
    assert "没有符合条件的学习资料。" in client.get(LIST_URL, {"q": "不存在的词"}).content.decode()


def test_it_filters_by_category(client, member_user, branch):
    publish(branch, "党章", category=MaterialCategory.PARTY_CONSTITUTION)
    publish(branch, "警示教育片", category=MaterialCategory.WARNING_EDUCATION)
    client.force_login(member_user)

    assert titles(client.get(LIST_URL, {"category": MaterialCategory.WARNING_EDUCATION})) == {"警示教育片"}
    assert len(titles(client.get(LIST_URL, {"category": "no-such-category"}))) == 2  # ignored


def test_it_puts_required_reading_first_then_the_newest(client, member_user, branch):
    publish(branch, "旧的", published_on=datetime.date(2026, 1, 1))
    publish(branch, "新的", published_on=datetime.date(2026, 5, 1))
    publish(branch, "必读", published_on=datetime.date(2025, 1, 1), is_required=True)
    client.force_login(member_user)

    page = client.get(LIST_URL).context["page"]

    assert [material.title for material in page.object_list] == ["必读", "新的", "旧的"]


def test_it_pages_by_20_and_keeps_the_search(client, member_user, branch):
    for i in range(25):
        publish(branch, f"学习资料{i:02d}")
    client.force_login(member_user)

    first = client.get(LIST_URL, {"q": "学习资料"})
    second = client.get(LIST_URL, {"q": "学习资料", "page": 2})

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 5
    assert "?q=%E5%AD%A6%E4%B9%A0%E8%B5%84%E6%96%99&amp;page=2" in first.content.decode()


def test_it_marks_materials_the_member_has_read(client, member_user, branch):
    read = publish(branch, "读过的")
    publish(branch, "没读的")
    client.force_login(member_user)
    client.get(detail_url(read))

    response = client.get(LIST_URL)

    assert response.context["read_ids"] == {read.pk}


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_it_costs_the_same_few_queries_for_few_and_many_materials(
    client, secretary, branch, committee, django_assert_max_num_queries
):
    client.force_login(secretary)
    for i in range(3):
        publish(branch, f"资料{i}")
    with django_assert_max_num_queries(10):
        small = _queries(client, LIST_URL)
    for i in range(40):
        material = publish(committee if i % 2 else branch, f"更多资料{i}")
        MaterialRead.objects.create(material=material, member=secretary.member)
    with django_assert_max_num_queries(10):
        large = _queries(client, LIST_URL)
    assert small == large


def test_it_offers_publishing_to_those_who_manage_their_organisation(client, secretary, member_user, branch):
    client.force_login(secretary)
    assert create_url(branch) in client.get(LIST_URL).content.decode()

    client.force_login(member_user)
    assert "发布学习资料" not in client.get(LIST_URL).content.decode()


# The detail page and the reading record --------------------------------------------------------------------


def test_it_shows_the_body_as_plain_text_with_line_breaks(client, member_user, branch):
    material = publish(
        branch,
        "准则",
        body="第一条 <script>alert(1)</script>\n第二条 <b>加粗</b>",
        source_url="https://www.12371.cn/",
    )
    client.force_login(member_user)

    content = client.get(detail_url(material)).content.decode()

    assert "<p>第一条 &lt;script&gt;alert(1)&lt;/script&gt;<br>第二条 &lt;b&gt;加粗&lt;/b&gt;</p>" in content
    assert "<script>alert(1)" not in content
    assert 'href="https://www.12371.cn/" rel="noopener noreferrer"' in content


def test_it_records_one_read_per_member_and_updates_the_last_time(client, member_user, branch):
    material = publish(branch, "党章")
    client.force_login(member_user)

    client.get(detail_url(material))
    read = MaterialRead.objects.get(material=material, member=member_user.member)
    long_ago = timezone.now() - datetime.timedelta(days=30)
    MaterialRead.objects.filter(pk=read.pk).update(first_read_at=long_ago, last_read_at=long_ago)
    client.get(detail_url(material))

    assert MaterialRead.objects.filter(material=material).count() == 1
    read.refresh_from_db()
    assert read.first_read_at == long_ago
    assert read.last_read_at > long_ago + datetime.timedelta(days=29)


def test_it_records_no_read_for_a_viewer_without_member_record(client, district_officer, district):
    material = publish(district, "区委资料")
    client.force_login(district_officer)

    assert client.get(detail_url(material)).status_code == 200
    assert not MaterialRead.objects.exists()


def test_it_does_not_record_a_read_for_an_out_of_scope_request(client, member_user, other_branch):
    material = publish(other_branch, "别处的资料")
    client.force_login(member_user)

    assert client.get(detail_url(material)).status_code == 404
    assert not MaterialRead.objects.exists()


def test_it_costs_a_few_queries_to_open_a_material(client, member_user, branch, django_assert_max_num_queries):
    material = publish(branch, "党章")
    client.force_login(member_user)
    client.get(detail_url(material))

    with django_assert_max_num_queries(10):
        client.get(detail_url(material))


# Publishing and attachments --------------------------------------------------------------------------------


def test_it_lets_a_secretary_publish_for_the_branch_with_a_pdf(client, secretary, branch, media_root):
    client.force_login(secretary)

    response = client.post(create_url(branch), form_data(attachment=SimpleUploadedFile("准则全文.pdf", PDF)))

    material = StudyMaterial.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(material)
    assert material.organization == branch
    assert material.published_by == secretary
    assert material.is_required
    assert material.attachment_name == "准则全文.pdf"
    assert material.attachment_type == "application/pdf"
    assert material.attachment.name.startswith("materials/")
    assert "准则" not in material.attachment.name  # a non-guessable stored name
    assert len(list((media_root / "materials").iterdir())) == 1


def test_it_serves_a_pdf_as_a_download_with_its_original_name(client, secretary, member_user, branch):
    client.force_login(secretary)
    client.post(create_url(branch), form_data(attachment=SimpleUploadedFile("准则全文.pdf", PDF)))
    material = StudyMaterial.objects.get()
    client.force_login(member_user)

    response = client.get(attachment_url(material))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%87%86%E5%88%99%E5%85%A8%E6%96%87.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF  # read to the end: the test client then closes the file
    assert "下载附件：准则全文.pdf" in client.get(detail_url(material)).content.decode()


def test_it_shows_an_image_inline(client, secretary, branch):
    client.force_login(secretary)
    client.post(create_url(branch), form_data(attachment=SimpleUploadedFile("合影.png", png_bytes())))
    material = StudyMaterial.objects.get()

    response = client.get(attachment_url(material))

    assert material.attachment_type == "image/png"
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()
    assert (
        f'<img class="material-image mb-2" src="{attachment_url(material)}"'
        in client.get(detail_url(material)).content.decode()
    )


def test_it_accepts_a_docx(client, secretary, branch):
    client.force_login(secretary)

    client.post(create_url(branch), form_data(attachment=SimpleUploadedFile("学习笔记.docx", docx_bytes())))

    assert StudyMaterial.objects.get().attachment_type == DOCX_TYPE


def test_it_publishes_without_an_attachment(client, secretary, branch):
    client.force_login(secretary)

    client.post(create_url(branch), form_data())

    material = StudyMaterial.objects.get()
    assert not material.attachment
    assert (material.attachment_name, material.attachment_type) == ("", "")
    assert client.get(attachment_url(material)).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("通知.pdf", "这是一个文本文件，不是PDF。".encode(), "无法识别“通知.pdf”的文件内容"),
        ("archive.docx", None, "无法识别“archive.docx”的文件内容"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "无法识别“photo.png”的文件内容"),
        ("script.pdf", b"<html><script>alert(1)</script></html>", "无法识别“script.pdf”的文件内容"),
        ("图片.pdf", None, "“图片.pdf”的扩展名与文件内容不符（内容为image/png）"),
    ],
    ids=["text-named-pdf", "zip-without-document", "broken-png", "html-named-pdf", "png-named-pdf"],
)
def test_it_rejects_a_forged_attachment_and_saves_nothing(
    client, secretary, branch, media_root, name, content, message
):
    if content is None:
        content = docx_bytes(with_document=False) if name.endswith(".docx") else png_bytes()
    client.force_login(secretary)

    response = client.post(
        create_url(branch), form_data(attachment=SimpleUploadedFile(name, content, content_type="application/pdf"))
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StudyMaterial.objects.exists()
    assert not (media_root / "materials").exists()


def test_it_rejects_an_oversized_attachment(client, secretary, branch, settings):
    settings.MATERIAL_UPLOAD_MAX_BYTES = 1024
    client.force_login(secretary)

    response = client.post(create_url(branch), form_data(attachment=SimpleUploadedFile("大文件.pdf", PDF * 20)))

    assert response.status_code == 200
    assert "附件不能超过1.0\xa0KB（该文件为1.5\xa0KB）。" in response.content.decode()
    assert not StudyMaterial.objects.exists()


def test_it_rejects_an_image_over_the_pixel_limit(client, secretary, branch, settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 1_000_000
    buffer = io.BytesIO()
    Image.new("L", (2000, 1000)).save(buffer, format="PNG")
    client.force_login(secretary)

    response = client.post(create_url(branch), form_data(attachment=SimpleUploadedFile("海报.png", buffer.getvalue())))

    assert response.status_code == 200
    assert "“海报.png”的图片像素过大（200万像素，上限100万像素），请缩小后再上传。" in response.content.decode()
    assert not StudyMaterial.objects.exists()


def test_it_limits_attachments_to_10_mb_by_default(client, secretary, branch, settings):
    del settings.MATERIAL_UPLOAD_MAX_BYTES
    client.force_login(secretary)
    content = PDF + b"0" * (10 * 1024 * 1024)

    response = client.post(create_url(branch), form_data(attachment=SimpleUploadedFile("大文件.pdf", content)))

    assert "附件不能超过10.0\xa0MB" in response.content.decode()
    assert not StudyMaterial.objects.exists()


def test_it_shows_missing_fields_in_chinese(client, secretary, branch):
    client.force_login(secretary)

    response = client.post(create_url(branch), form_data(title="", source_url="不是网址"))

    content = response.content.decode()
    assert "这个字段是必填项。" in content
    assert "输入一个有效的 URL。" in content
    assert not StudyMaterial.objects.exists()


def test_it_lets_a_district_officer_publish_for_a_committee_below(client, district_officer, committee):
    client.force_login(district_officer)

    assert client.get(create_url(committee)).status_code == 200
    client.post(create_url(committee), form_data())

    assert StudyMaterial.objects.get().organization == committee


def test_it_refuses_publishing_to_a_member_without_a_managing_role(client, member_user, branch):
    client.force_login(member_user)

    assert client.get(create_url(branch)).status_code == 403
    assert client.post(create_url(branch), form_data()).status_code == 403
    assert not StudyMaterial.objects.exists()


def test_it_refuses_publishing_to_a_propaganda_officer(client, branch):
    user = UserFactory()
    give_role(user, branch, RoleKind.PROPAGANDA)
    client.force_login(user)

    assert client.post(create_url(branch), form_data()).status_code == 403


def test_it_answers_404_for_publishing_outside_the_scope(client, secretary, other_branch_secretary, branch, committee):
    client.force_login(other_branch_secretary)
    assert client.get(create_url(branch)).status_code == 404
    assert client.post(create_url(branch), form_data()).status_code == 404

    client.force_login(secretary)
    assert client.get(create_url(committee)).status_code == 404  # the committee above the secretary's branch
    assert not StudyMaterial.objects.exists()


def test_it_costs_a_few_queries_to_show_the_publishing_form(client, secretary, branch, django_assert_max_num_queries):
    client.force_login(secretary)

    with django_assert_max_num_queries(10):
        assert client.get(create_url(branch)).status_code == 200


# The Django admin ------------------------------------------------------------------------------------------


@pytest.fixture
def district_admin(district):
    user = UserFactory(username="district_admin", is_staff=True)
    give_role(user, district, RoleKind.ADMINISTRATOR)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="study",
            codename__in=["view_studymaterial", "change_studymaterial", "view_studytask", "view_materialread"],
        )
    )
    enrol_totp(user)
    return user


def test_it_scopes_the_admin_lists_to_the_administrators_subtree(
    client, district_admin, member_user, secretary, tree_materials, other_branch
):
    outsider = MemberFactory(organization=other_branch, name="西城党员")
    make_task(member_user.member, due=timezone.localdate(), topic="东城的任务")
    make_task(outsider, due=timezone.localdate(), topic="西城的任务")
    MaterialRead.objects.create(material=tree_materials["branch"], member=member_user.member)
    MaterialRead.objects.create(material=tree_materials["other_branch"], member=outsider)
    client.force_login(district_admin)

    materials = client.get(reverse("admin:study_studymaterial_changelist"))
    tasks = client.get(reverse("admin:study_studytask_changelist"))
    reads = client.get(reverse("admin:study_materialread_changelist"))

    assert {m.title for m in materials.context["cl"].result_list} == {
        "东城区委的资料",
        "教育系统党委的资料",
        "第一党支部的资料",
        "第二党支部的资料",
    }
    assert [t.item.topic for t in tasks.context["cl"].result_list] == ["东城的任务"]
    assert [r.member.name for r in reads.context["cl"].result_list] == ["李党员"]
    other = tree_materials["other_district"]
    assert client.get(reverse("admin:study_studymaterial_change", args=[other.pk])).status_code == 404  # foreign: 404
    assert client.get(reverse("admin:study_studymaterial_add")).status_code == 403  # publish on the portal
