"""`manage.py sign_records`: sign the filed versions made before signing existed and build the chains of filings."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from activities.records.services import records_sign_unsigned
from branches.models import Organization


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]  # BaseCommand.help is an attribute; translated late when asked for: argparse wants a str, not a lazy string
        return _(
            "为尚未签名的归档版本签名，并按归档顺序写入各党组织的归档记录链（升级后对已有记录运行一次）。"
            "内容与摘要不符或已不是归档状态的记录不签名，逐条列出并以非零状态退出。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", metavar="CODE", default=None, help=_("只处理该组织代码的党组织及其下级"))

    def handle(self, *args, **options) -> None:
        organization_ids = None
        if options["org"]:
            organization = Organization.objects.filter(code=options["org"]).first()
            if organization is None:
                raise CommandError(_("没有组织代码为“%(code)s”的党组织。") % {"code": options["org"]})
            organization_ids = list(
                Organization.objects.filter(path__startswith=organization.path).values_list("pk", flat=True)
            )
        result = records_sign_unsigned(organization_ids=organization_ids)
        self.stdout.write(_("已为 %(n)d 个归档版本签名并写入归档记录链。") % {"n": result.signed})
        if result.refused:
            for meeting_id, number, why in result.refused:
                self.stderr.write(
                    _("未签名：会议#%(meeting)d 第%(n)d版：%(why)s") % {"meeting": meeting_id, "n": number, "why": why}
                )
            raise CommandError(_("%(n)d 个归档版本未签名（见上），请先核实这些记录。") % {"n": len(result.refused)})
