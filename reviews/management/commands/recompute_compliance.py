from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Organization
from reviews.compliance.services import compliance_recompute


class Command(BaseCommand):
    help = gettext_lazy("重新计算合规检查结果和汇总（全部或某一组织及其下级），结果与增量更新完全一致。")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help=gettext_lazy("年度（默认今年）"))
        parser.add_argument("--org", default=None, help=gettext_lazy("组织代码：只重算该组织及其下级"))

    def handle(self, *args, year=None, org=None, **options):
        today = timezone.localdate()
        year = year or today.year
        if year > today.year or year < 2000:
            raise CommandError(_("年度 %(year)d 无效：只能重算 2000 年至今年。") % {"year": year})
        organization = None
        if org:
            organization = Organization.objects.filter(code=org).first()
            if organization is None:
                raise CommandError(_("没有组织代码为 %(code)s 的党组织。") % {"code": org})
        started = timezone.now()
        count = compliance_recompute(year=year, organization=organization, today=today)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            _("%(year)d年 %(scope)s：%(n)d 条检查结果，用时 %(s).1f 秒。")
            % {"year": year, "scope": organization.name if organization else _("全部党组织"), "n": count, "s": seconds}
        )
