"""The roster import as a background job (portal/jobs): the request checks the form and stores the file, the
worker runs `roster_import` with a progress callback, all or nothing as on the page before."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import asdict

from django.conf import settings
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, User
from branches.permissions import can_manage_organization
from branches.roster.services import roster_import
from portal.jobs.models import Job
from portal.jobs.progress import ProgressReporter
from portal.jobs.registry import JobError, JobOutcome
from portal.jobs.services import job_start

ROSTER_IMPORT = "branches.roster_import"
ROSTER_IMPORT_TITLE = _("导入党员名册")
ROSTER_IMPORT_RESULT_TEMPLATE = "branches/partials/_roster_import_result.html"
# A 100 000-row file is read, checked and written well inside this; the hard limit is one minute more.
ROSTER_IMPORT_SOFT_TIME_LIMIT = 20 * 60
# Reading a large xlsx reports nothing until the whole sheet is read: allow for it before the reaper steps in.
ROSTER_IMPORT_STALE_AFTER = datetime.timedelta(minutes=10)

MESSAGE_FAILED = _("文件中有错误，未导入任何数据。请按下表改正后重新上传。")
MESSAGE_NO_BRANCH = _("党支部已不存在或您已不能管理它，未导入任何数据。")
MESSAGE_NO_FILE = _("上传的文件已不存在，未导入任何数据。请重新上传。")


def file_digest(upload: UploadedFile) -> str:
    """SHA-256 of the upload's content (it goes into the job's params: two different files are two jobs)."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def upload_size_error(upload: UploadedFile) -> str | None:
    """The form's own check of the size limit, so that an oversized file is refused before it is stored."""
    limit = settings.ROSTER_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        return gettext("文件大小%(size)s，超过上限%(limit)s，请分批导入。") % {
            "size": filesizeformat(upload.size),
            "limit": filesizeformat(limit),
        }
    return None


def roster_import_start(*, organization: Organization, upload: UploadedFile, by: User) -> Job:
    """Queue the import of `upload` into `organization` (the caller checked scope, branch and permission), or
    return the live job of the same user, branch and file (a second click shows the running job)."""
    name = (upload.name or "roster").rsplit("/", 1)[-1][:100]
    return job_start(
        kind=ROSTER_IMPORT,
        owner=by,
        organization=organization,
        params={"sha256": file_digest(upload), "owner": by.pk, "file_name": name},
        input_file=upload,
    )


def roster_import_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    """Runner of `branches.roster_import`: the whole file or nothing; per-row errors in the failed job's result."""
    organization = job.organization
    owner = job.owner
    if organization is None or owner is None or not organization.is_branch:
        raise JobError(MESSAGE_NO_BRANCH)
    owner = User.objects.get(pk=owner.pk)  # fresh: roles may have changed while the job waited
    if not can_manage_organization(owner, organization):
        raise JobError(MESSAGE_NO_BRANCH)
    if not job.input_file:
        raise JobError(MESSAGE_NO_FILE)
    try:
        handle = job.input_file.open("rb")
    except FileNotFoundError:
        raise JobError(MESSAGE_NO_FILE) from None
    with handle:
        upload = File(handle, name=job.params.get("file_name") or job.input_file.name)
        result = roster_import(organization=organization, uploaded_file=upload, progress=progress)
    if not result.ok:
        raise JobError(MESSAGE_FAILED, result={"errors": [asdict(error) for error in result.errors]})
    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    return JobOutcome(
        message=gettext("导入完成：新增%(created)d人，更新%(updated)d人，未变%(unchanged)d人。") % counts,
        result=counts,
    )
