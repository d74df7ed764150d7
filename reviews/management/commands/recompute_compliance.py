from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from branches.models import Organization
from reviews.services import compliance_recompute


class Command(BaseCommand):
    help = "重新计算合规检查结果和汇总（全部或某一组织及其下级），结果与增量更新完全一致。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="年度（默认今年）")
        parser.add_argument("--org", default=None, help="组织代码：只重算该组织及其下级")

    def handle(self, *args, year=None, org=None, **options):
        today = timezone.localdate()
        year = year or today.year
        if year > today.year or year < 2000:
            raise CommandError(f"年度 {year} 无效：只能重算 2000 年至今年。")
        organization = None
        if org:
            organization = Organization.objects.filter(code=org).first()
            if organization is None:
                raise CommandError(f"没有组织代码为 {org} 的党组织。")
        started = timezone.now()
        count = compliance_recompute(year=year, organization=organization, today=today)
        seconds = (timezone.now() - started).total_seconds()
        scope = organization.name if organization else "全部党组织"
        self.stdout.write(f"{year}年 {scope}：{count} 条检查结果，用时 {seconds:.1f} 秒。")
