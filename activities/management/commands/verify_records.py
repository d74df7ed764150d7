"""`manage.py verify_records`: check that every filed meeting record is unaltered (see services.records_verify)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from activities.records.services import records_verify
from branches.models import Organization


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when asked for: argparse wants a str, not a lazy string
        return _(
            "校验已归档的会议活动记录：每个归档版本的内容与其摘要一致、签名与内容和归档信息相符，"
            "当前记录与最后归档版本一致，附件文件未被替换，各党组织的归档记录链完整且签名有效。"
            "发现不一致时逐条列出记录并以非零状态退出。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", metavar="CODE", default=None, help=_("只校验该组织代码的党组织及其下级"))

    def handle(self, *args, **options) -> None:
        organization = None
        if options["org"]:
            organization = Organization.objects.filter(code=options["org"]).first()
            if organization is None:
                raise CommandError(_("没有组织代码为“%(code)s”的党组织。") % {"code": options["org"]})
        checked, problems = records_verify(organization=organization)
        if not problems:
            self.stdout.write(_("已校验 %(n)d 条归档记录，全部一致。") % {"n": checked})
            return
        for problem in problems:
            self.stderr.write(
                _("不一致：%(record)s：%(problem)s") % {"record": problem.label, "problem": problem.problem}
            )
        records = len({problem.meeting_id for problem in problems if problem.meeting_id})
        raise CommandError(
            _("已校验 %(n)d 条归档记录，其中 %(bad)d 条与归档内容不一致（见上）。") % {"n": checked, "bad": records}
        )
