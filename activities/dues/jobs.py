"""The import of a month's 党费 as a background job (portal/jobs), as the roster import: the request checks the
form and stores the file, the worker runs `dues_import` with a progress callback, all or nothing."""

from __future__ import annotations

import datetime
from dataclasses import asdict

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.dues.imports import dues_import
from activities.permissions import can_collect_dues
from branches.models import Organization, User
from branches.roster.jobs import file_digest
from portal.jobs.models import Job
from portal.jobs.progress import ProgressReporter
from portal.jobs.registry import JobError, JobOutcome
from portal.jobs.services import job_start

DUES_IMPORT = "activities.dues_import"
DUES_IMPORT_TITLE = _("导入党费交纳记录")
DUES_IMPORT_RESULT_TEMPLATE = "activities/partials/_dues_import_result.html"
DUES_IMPORT_SOFT_TIME_LIMIT = 10 * 60
DUES_IMPORT_STALE_AFTER = datetime.timedelta(minutes=10)

MESSAGE_FAILED = _("文件中有错误，未导入任何数据。请按下表改正后重新上传。")
MESSAGE_NO_BRANCH = _("党支部已不存在或您已不能登记它的党费，未导入任何数据。")
MESSAGE_NO_FILE = _("上传的文件已不存在，未导入任何数据。请重新上传。")


def dues_import_start(*, organization: Organization, month: datetime.date, upload: UploadedFile, by: User) -> Job:
    """Queue the import of `upload` as `month` of `organization` (the caller checked scope and right), or return
    the live job of the same user, branch, month and file."""
    name = (upload.name or "dues").rsplit("/", 1)[-1][:100]
    return job_start(
        kind=DUES_IMPORT,
        owner=by,
        organization=organization,
        params={"sha256": file_digest(upload), "owner": by.pk, "file_name": name, "month": month.isoformat()},
        input_file=upload,
    )


def dues_import_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    """Runner of `activities.dues_import`: the whole file or nothing; per-row errors in the failed job's result."""
    organization = job.organization
    owner = job.owner
    if organization is None or owner is None or not organization.is_branch:
        raise JobError(MESSAGE_NO_BRANCH)
    owner = User.objects.get(pk=owner.pk)  # fresh: roles may have changed while the job waited
    if not can_collect_dues(owner, organization):
        raise JobError(MESSAGE_NO_BRANCH)
    if not job.input_file:
        raise JobError(MESSAGE_NO_FILE)
    month = datetime.date.fromisoformat(job.params["month"])
    try:
        handle = job.input_file.open("rb")
    except FileNotFoundError:
        raise JobError(MESSAGE_NO_FILE) from None
    with handle:
        upload = File(handle, name=job.params.get("file_name") or job.input_file.name)
        result = dues_import(
            organization=organization, month=month, uploaded_file=upload, recorded_by=owner, progress=progress
        )
    if not result.ok:
        raise JobError(MESSAGE_FAILED, result={"errors": [asdict(error) for error in result.errors]})
    counts = {"listed": result.listed, "unpaid": result.unpaid, "paid": result.paid, "month": f"{month:%Y-%m}"}
    return JobOutcome(
        message=gettext("导入完成：%(month)s文件列出%(listed)d人，未交%(unpaid)d人，实交合计%(paid)s元。") % counts,
        result=counts,
    )
