import contextlib
import shutil
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Organization
from portal.jobs.models import Job, JobState
from portal.jobs.services import job_run
from reviews.models import YearlyReportFile
from reviews.reports.services import report_file_name, yearly_report_finish_here, yearly_report_request

WAIT_SECONDS = 2


@contextlib.contextmanager
def tasks_in_process():
    """Run the job's tasks (the runner, its chunks, the assembly) in this process, even where Redis is set."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


class Command(BaseCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # argparse formats the lazy string when asked
        "生成某一党组织某一年度的年度检查报告（PDF 和 xlsx），与页面申请走同一后台任务；没有 Redis 时在本进程内执行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help=gettext_lazy("组织代码"))
        parser.add_argument("--year", required=True, type=int, help=gettext_lazy("年度"))
        parser.add_argument("--out", default=None, help=gettext_lazy("另存一份到此目录（文件名为中文报告名）"))

    def handle(self, *args, org: str, year: int, out: str | None = None, **options):
        organization = Organization.objects.filter(code=org).first()
        if organization is None:
            raise CommandError(_("没有组织代码为 %(code)s 的党组织。") % {"code": org})
        with tasks_in_process():
            job = yearly_report_request(organization=organization, year=year, by=None)
            job_run(job_id=job.pk)  # does nothing if a worker (or the in-process run on commit) already took it
            yearly_report_finish_here(job=job)  # the chunks and assembly its tasks would run (idempotent)
        job.refresh_from_db()
        while job.state in Job.LIVE:  # a worker has it: wait for its end
            time.sleep(WAIT_SECONDS)
            job.refresh_from_db()
        if job.state != JobState.DONE:
            raise CommandError(job.message)
        result = job.result or {}
        report = YearlyReportFile.objects.select_related("organization").get(pk=result["report_id"])
        self.stdout.write(job.message)
        for field, extension in ((report.pdf, "pdf"), (report.xlsx, "xlsx")):
            path = Path(field.path)
            if out:
                directory = Path(out)
                directory.mkdir(parents=True, exist_ok=True)
                path = Path(shutil.copyfile(field.path, directory / report_file_name(report, extension)))
            self.stdout.write(str(path))
