"""Attachments as evidence: on an inspection finding and on a problem's rectification submission, checked and
stored like a meeting's attachments (size, type read from the content, Chinese errors), served only through the
access scope; a foreign id answers 404 and writes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches.models import RoleKind
from reviews.oversight import services
from reviews.oversight.models import ProblemEvidence, ProblemState
from tests.activities.test_attachments import PDF, image_bytes
from tests.conftest import enrol_totp
from tests.factories import UserFactory, give_role
from tests.reviews import test_oversight as oversight

pytestmark = pytest.mark.django_db

# The personas and the inspection → finding → problem chain of the oversight tests.
committee_officer = oversight.committee_officer
inspection = oversight.inspection
row = oversight.row
finding = oversight.finding
problem = oversight.problem


def _status(client, url) -> int:
    """GET and read a file response to its end: the test client then closes it (and the file) without closing
    the database connection, which an explicit response.close() would do on PostgreSQL."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _png(name="整改照片.png"):
    return SimpleUploadedFile(name, image_bytes((40, 30)), content_type="image/png")


def test_the_secretary_submits_with_files_the_parent_opens_them(client, secretary, committee_officer, problem):
    client.force_login(secretary)
    url = reverse("reviews:problem_submit", args=[problem.pk])
    response = client.post(
        url,
        {
            "measures": "补齐会议记录",
            "evidence": "已补录，见附件",
            "files": [_png(), SimpleUploadedFile("制度.pdf", PDF)],
        },
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.state == ProblemState.SUBMITTED
    files = list(ProblemEvidence.objects.filter(problem=problem).order_by("original_name"))
    assert [f.original_name for f in files] == ["制度.pdf", "整改照片.png"]
    assert files[1].thumbnail and len(files[1].sha256) == 64
    client.force_login(committee_officer)
    page = client.get(problem.get_absolute_url()).content.decode()
    assert files[0].get_absolute_url() in page
    served = client.get(files[0].get_absolute_url())
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == PDF


def test_a_bad_file_is_named_in_chinese_and_nothing_is_submitted(client, secretary, problem):
    client.force_login(secretary)
    response = client.post(
        reverse("reviews:problem_submit", args=[problem.pk]),
        {"measures": "补齐", "evidence": "已补齐", "files": [SimpleUploadedFile("照片.png", b"not an image")]},
    )
    assert response.status_code == 200
    assert "无法识别“照片.png”的文件内容" in response.content.decode()
    problem.refresh_from_db()
    assert problem.state == ProblemState.OPEN and not ProblemEvidence.objects.exists()


def test_the_inspectors_attach_files_to_a_finding_while_the_inspection_is_open(
    client, district_officer, inspection, row, finding
):
    client.force_login(district_officer)
    url = reverse("reviews:finding_evidence", args=[finding.pk])
    assert client.post(url, {"files": [_png("检查记录.png")]}).status_code == 302
    stored = ProblemEvidence.objects.get()
    assert stored.finding == finding and stored.problem is None
    assert stored.get_absolute_url() in client.get(row.get_absolute_url()).content.decode()
    response = client.post(url, {"files": [SimpleUploadedFile("记录.pdf", b"")]}, follow=True)
    assert "“记录.pdf”是空文件" in response.content.decode()
    services.inspection_close(inspection=inspection, by=district_officer)
    response = client.post(url, {"files": [_png()]}, follow=True)
    assert "检查已经结束" in response.content.decode()
    assert ProblemEvidence.objects.count() == 1


def test_the_problem_shows_the_files_of_its_finding(client, district_officer, secretary, finding, problem):
    services.finding_evidence_add(
        finding=finding,
        uploads=[services.AttachmentUpload(_png("现场.png"), "现场.png", "image/png")],
        uploaded_by=district_officer,
    )
    client.force_login(secretary)
    assert "现场.png" in client.get(problem.get_absolute_url()).content.decode()


def test_foreign_evidence_ids_answer_404_and_write_nothing(
    client, other_district, other_branch_secretary, district_officer, secretary, finding, problem
):
    services.problem_submit(
        problem=problem,
        by=secretary,
        measures="补齐",
        evidence="已补齐",
        uploads=[services.AttachmentUpload(_png(), "整改照片.png", "image/png")],
    )
    stored = ProblemEvidence.objects.get()
    other_officer = UserFactory(username="other-officer")
    give_role(other_officer, other_district, RoleKind.OFFICER)
    enrol_totp(other_officer)
    for user in (other_branch_secretary, other_officer):
        client.force_login(user)
        assert _status(client, stored.get_absolute_url()) == 404
        assert client.post(stored.get_absolute_url()).status_code == 405
        url = reverse("reviews:finding_evidence", args=[finding.pk])
        assert client.post(url, {"files": [_png()]}).status_code == 404
        assert client.get(url).status_code == 405
    assert ProblemEvidence.objects.count() == 1


def test_the_branch_sees_a_findings_files_once_the_inspection_is_closed(
    client, district_officer, secretary, inspection, finding
):
    services.finding_evidence_add(
        finding=finding,
        uploads=[services.AttachmentUpload(_png("检查.png"), "检查.png", "image/png")],
        uploaded_by=district_officer,
    )
    stored = ProblemEvidence.objects.get(finding=finding)
    client.force_login(secretary)
    assert _status(client, stored.get_absolute_url()) == 404
    services.inspection_close(inspection=inspection, by=district_officer)
    assert _status(client, stored.get_absolute_url()) == 200
