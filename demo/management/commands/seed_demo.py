"""`manage.py seed_demo`: the demo tree, members and logins (see `demo.tree`), then the study data on top of
it (see `study.demo`) and the organisational life (see `demo.activities`)."""

import argparse
import datetime
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import MemberCategory, MemberStatus, OrganizationCategory, OrganizationKind
from demo.activities import seed as activities_demo
from demo.dues import seed as dues_demo
from demo.duty_reports import seed as duty_reports_demo
from demo.evaluations import seed as evaluations_demo
from demo.oversight import seed as oversight_demo
from demo.ratings import seed as ratings_demo
from demo.study import seed as study_demo
from demo.terms import seed as terms_demo
from demo.tree import seed as tree
from demo.tree import tables as tree_tables
from demo.weak_branches import seed as weak_branches_demo
from study.models import PlanStatus


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _table(rows: list[list[str]]) -> list[str]:
    """Rows padded to columns that line up in a terminal (Chinese characters are two columns wide)."""
    widths = [max(_width(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return lines


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("日期格式应为 YYYY-MM-DD：%(value)s") % {"value": value}) from None


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when asked for: argparse wants a str, not a lazy string
        return _(
            "生成演示数据：北京市委、区委、教育工委、基层党委、党总支、各类党支部、党小组、党员和每种角色一个演示账号，"
            "以及学习资料、模板计划、各党支部的年度学习计划、党员的学习任务和提醒，"
            "和今年以来的组织生活（会议活动、出勤、归档记录、谈心谈话、承诺践诺、党员先锋岗）。"
            "可重复运行：已存在的党组织（按组织代码）不会重复创建，--branches 调大后只补上缺少的党支部；"
            "已有学习计划的党支部不再重复生成，今年已有会议活动或谈心谈话的党支部不再重复生成组织生活数据。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--branches",
            type=int,
            default=tree.DEFAULT_BRANCHES,
            help=_("党支部数量（默认%(n)d，平均每个支部约25名党员）") % {"n": tree.DEFAULT_BRANCHES},
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=tree.DEFAULT_SEED,
            help=_("随机种子：相同的种子和日期生成相同的数据（默认%(n)d）") % {"n": tree.DEFAULT_SEED},
        )
        parser.add_argument("--today", type=_date, default=None, help=_("基准日期 YYYY-MM-DD（默认今天）"))
        parser.add_argument(
            "--history",
            action="store_true",
            help=_(
                "为东城区委（演示账号 district 所在的区）的其余党支部生成今年1月1日至昨天的完整组织生活："
                "每月主题党日、党小组会、支委会，每季度党员大会和党课，七一仪式教育，出勤、补学和归档记录，"
                "部分党支部有意不达标。区级规模用 --branches 9000（东城区委约2000个党支部、5万名党员）。"
            ),
        )

    def handle(self, *args, **options) -> None:
        today = options["today"] or timezone.localdate()
        branches, seed = options["branches"], options["seed"]
        self.stdout.write(
            _("生成演示数据：%(branches)d个党支部，随机种子%(seed)d，基准日期%(today)s。")
            % {"branches": branches, "seed": seed, "today": today.isoformat()}
        )
        try:
            result = tree.demo_seed(branches=branches, seed=seed, today=today, log=self.stdout.write)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if result.organizations_created == 0:
            self.stdout.write(
                _("演示组织树已存在：计划中的%(n)d个党组织都已建立，没有需要新增的。")
                % {"n": result.organizations_existing}
            )
        self.stdout.write(
            _(
                "新增党组织%(orgs)d个（其中党支部%(branches)d个），已存在%(existing)d个；"
                "新增党员%(members)d名、账号%(users)d个；用时%(seconds).1f秒。"
            )
            % {
                "orgs": result.organizations_created,
                "branches": result.branches_created,
                "existing": result.organizations_existing,
                "members": result.members_created,
                "users": result.users_created,
                "seconds": result.seconds,
            }
        )
        try:
            study_result = study_demo.study_demo_seed(seed=seed, today=today, log=self.stdout.write)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            _(
                "学习数据：新增学习资料%(materials)d份、模板计划%(templates)d份、党支部学习计划%(plans)d份、"
                "学习任务%(tasks)d项、个人自学计划%(cadre)d份，发出提醒%(sent)d条；用时%(seconds).1f秒。"
            )
            % {
                "materials": study_result.materials_created,
                "templates": study_result.templates_created,
                "plans": study_result.plans_created,
                "tasks": study_result.tasks_created,
                "cadre": study_result.cadre_plans_created,
                "sent": study_result.reminders_sent,
                "seconds": study_result.seconds,
            }
        )
        if options["history"]:
            self._generate_history(seed=seed, today=today)
        try:
            activities_result = activities_demo.activities_demo_seed(seed=seed, today=today, log=self.stdout.write)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self._write_activities_result(activities_result)
        try:
            evaluations_result = evaluations_demo.evaluations_demo_seed(seed=seed, today=today, log=self.stdout.write)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            _(
                "民主评议党员：新增评议%(campaigns)d个、评定意见%(grades)d条（待上级审批%(pending)d件）；用时%(seconds).1f秒。"
            )
            % {
                "campaigns": evaluations_result.campaigns_created,
                "grades": evaluations_result.grades_created,
                "pending": evaluations_result.pending_cases,
                "seconds": evaluations_result.seconds,
            }
        )
        try:
            duty_result = duty_reports_demo.duty_reports_demo_seed(today=today)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            _(
                "述职评议考核：新增%(rounds)d轮，已提交述职报告%(submitted)d份、评议意见%(assessed)d条；用时%(seconds).1f秒。"
            )
            % {
                "rounds": duty_result.rounds_created,
                "submitted": duty_result.reports_submitted,
                "assessed": duty_result.assessments_created,
                "seconds": duty_result.seconds,
            }
        )
        dues_result = dues_demo.dues_demo_seed(seed=seed, today=today)
        self.stdout.write(
            _(
                "党费：新增党费基数%(bases)d条、交纳记录%(payments)d条、已结账支部月份%(months)d个"
                "（连续欠交：%(arrears)s；减免：%(reduced)s）；用时%(seconds).1f秒。"
            )
            % {
                "bases": dues_result.bases_created,
                "payments": dues_result.payments_created,
                "months": dues_result.months_closed,
                "arrears": dues_result.in_arrears or "—",
                "reduced": dues_result.reduced or "—",
                "seconds": dues_result.seconds,
            }
        )
        try:
            oversight_result = oversight_demo.oversight_demo_seed(seed=seed, today=today)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            _(
                "督导检查：新增随机抽查%(inspections)d次、受检党支部%(branches)d个，整改台账新增问题%(problems)d个；用时%(seconds).1f秒。"
            )
            % {
                "inspections": oversight_result.inspections_created,
                "branches": oversight_result.branches_inspected,
                "problems": oversight_result.problems_created,
                "seconds": oversight_result.seconds,
            }
        )
        if options["history"]:
            self._generate_oversight_history(seed=seed, today=today)
        weak_result = weak_branches_demo.weak_branches_demo_seed(today=today)
        self.stdout.write(
            _("软弱涣散党支部：新增建议%(suggestions)d个、整顿方案%(plans)d个；用时%(seconds).1f秒。")
            % {
                "suggestions": weak_result.suggestions_created,
                "plans": weak_result.plans_created,
                "seconds": weak_result.seconds,
            }
        )
        try:
            terms_result = terms_demo.terms_demo_seed(seed=seed, today=today)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            _("换届：新增换届选举记录%(elections)d条，重点约谈%(interviews)d次。")
            % {"elections": terms_result.elections_created, "interviews": terms_result.interviews_created}
        )
        self._recompute_compliance(today=today)
        ratings_result = ratings_demo.ratings_demo_seed(today=today)
        self.stdout.write(
            _("星级评定：新增建议%(proposed)d个、已评定%(decided)d个；用时%(seconds).1f秒。")
            % {
                "proposed": ratings_result.proposed,
                "decided": ratings_result.decided,
                "seconds": ratings_result.seconds,
            }
        )
        self._write_summary(tree.demo_summary(today=today))
        self._write_study_summary(study_demo.study_demo_summary(today=today))
        self._write_logins(result.logins)

    def _generate_history(self, *, seed: int, today: datetime.date) -> None:
        """A generated year for the demo district's branches; the demo branch keeps its hand-made story (the
        activities demo below writes it)."""
        from branches.models import Organization
        from demo.history.generate import history_generate

        root = Organization.objects.get(code=tree_tables.DEMO_DISTRICT_CODE)
        demo_branch_ids = Organization.objects.filter(code=tree_tables.DEMO_BRANCH_CODE).values_list("pk", flat=True)
        stats = history_generate(root=root, year=today.year, today=today, seed=seed, exclude_ids=demo_branch_ids)
        self.stdout.write(
            _(
                "组织生活历史（%(root)s）：%(branches)d个党支部（%(skipped)d个已有数据未重复生成），"
                "会议活动%(meetings)d次，出勤记录%(attendance)d条，补学任务%(makeup)d项；用时%(seconds).1f秒。"
            )
            % {
                "root": root.name,
                "branches": stats.branches,
                "skipped": stats.branches_skipped,
                "meetings": stats.meetings,
                "attendance": stats.attendance,
                "makeup": stats.makeup_tasks,
                "seconds": stats.seconds,
            }
        )

    def _generate_oversight_history(self, *, seed: int, today: datetime.date) -> None:
        """The demo district's half-year 随机抽查 and a year of problems in every branch's ledger (in bulk)."""
        from demo.oversight.history import oversight_history_generate

        stats = oversight_history_generate(seed=seed, today=today)
        self.stdout.write(
            _(
                "督导检查历史：上半年随机抽查%(branches)d个党支部、检查发现%(findings)d条；整改台账新增问题%(problems)d个"
                "（未销号%(open)d个，其中逾期%(overdue)d个；已销号%(closed)d个）；用时%(seconds).1f秒。"
            )
            % {
                "branches": stats.branches_inspected,
                "findings": stats.findings,
                "problems": stats.problems,
                "open": stats.open,
                "overdue": stats.overdue,
                "closed": stats.closed,
                "seconds": stats.seconds,
            }
        )

    def _recompute_compliance(self, *, today: datetime.date) -> None:
        """The demo's meetings are written in bulk, so the stored compliance results and member flags are built
        here, as the nightly jobs would (idempotent: a rebuild gives the same rows)."""
        from branches.models import Organization
        from reviews.compliance.services import compliance_recompute
        from reviews.members.rules import member_flags_refresh

        started = timezone.now()
        years = [today.year - 1, today.year] if today.month == 1 else [today.year]
        results = sum(compliance_recompute(year=year, today=today) for year in years)
        branch_ids = list(Organization.objects.filter(kind=OrganizationKind.BRANCH).values_list("pk", flat=True))
        for i in range(0, len(branch_ids), 500):
            member_flags_refresh(organization_ids=branch_ids[i : i + 500], today=today)
        self.stdout.write(
            _("合规检查：%(n)d 条检查结果已重新计算，党员预警已更新；用时%(seconds).1f秒。")
            % {"n": results, "seconds": (timezone.now() - started).total_seconds()}
        )

    def _write_activities_result(self, result: activities_demo.ActivitiesDemoResult) -> None:
        self.stdout.write(
            _(
                "组织生活：新增会议活动%(meetings)d次（已归档%(filed)d次，其中更正%(amended)d次；已召开待归档%(held)d次；"
                "已安排%(planned)d次），出勤记录%(attendance)d条，补学任务%(makeup)d项，谈心谈话%(talks)d次，"
                "承诺践诺%(commitments)d份，党员先锋岗%(posts)d个，归档提醒%(sent)d条；用时%(seconds).1f秒。"
            )
            % {
                "meetings": result.meetings_created,
                "filed": result.filed,
                "amended": result.amended,
                "held": result.held,
                "planned": result.planned,
                "attendance": result.attendance_created,
                "makeup": result.makeup_tasks_created,
                "talks": result.talks_created,
                "commitments": result.commitments_created,
                "posts": result.posts_created,
                "sent": result.reminders_sent,
                "seconds": result.seconds,
            }
        )
        if result.meetings_created:
            self.stdout.write(
                "  "
                + _(
                    "试一试：党支部书记在本月会议中查看待办和下周安排的主题党日，把收到提醒的已召开会议核对后归档；"
                    "运行 python manage.py verify_records 校验全部归档记录。"
                )
            )

    def _write_summary(self, summary: tree.DemoSummary) -> None:
        self.stdout.write("")
        self.stdout.write(_("演示组织树（北京市委及其下级）："))
        kinds = "，".join(
            f"{OrganizationKind(kind).label}{count}" for kind, count in summary.organizations_by_kind.items()
        )
        self.stdout.write("  " + _("党组织：%(list)s") % {"list": kinds})
        categories = "，".join(
            f"{OrganizationCategory(category).label}{count}" for category, count in summary.branches_by_category.items()
        )
        self.stdout.write("  " + _("党支部按单位类别：%(list)s") % {"list": categories})
        self.stdout.write(
            "  "
            + _("党支部：软弱涣散%(weak)d个，60天内换届%(due)d个，任期已届满未换届%(overdue)d个；党小组%(groups)d个")
            % {
                "weak": summary.weak_branches,
                "due": summary.terms_due,
                "overdue": summary.terms_overdue,
                "groups": summary.groups,
            }
        )
        self.stdout.write(
            "  "
            + _("党员：共%(total)d名，正常%(active)d名，预备党员%(probationary)d名")
            % {
                "total": summary.members,
                "active": summary.active_members,
                "probationary": summary.probationary_members,
            }
        )
        member_categories = "，".join(
            f"{MemberCategory(category).label}{count}" for category, count in summary.members_by_category.items()
        )
        self.stdout.write("  " + _("党员类别：%(list)s") % {"list": member_categories})
        statuses = "，".join(
            f"{MemberStatus(status).label}{count}" for status, count in summary.members_by_status.items()
        )
        self.stdout.write("  " + _("党籍状态：%(list)s") % {"list": statuses})
        self.stdout.write(
            "  "
            + _("组织关系记录%(total)d条（已结束%(closed)d条）；账号共%(users)d个")
            % {"total": summary.memberships, "closed": summary.closed_memberships, "users": summary.users}
        )

    def _write_study_summary(self, summary: study_demo.StudyDemoSummary) -> None:
        self.stdout.write("")
        self.stdout.write(_("学习演示数据（%(year)d年度）：") % {"year": summary.year})
        self.stdout.write(
            "  "
            + _("学习资料%(total)d份（必读%(required)d份，%(categories)d个类别）；已下发的模板计划%(templates)d份")
            % {
                "total": summary.materials,
                "required": summary.required_materials,
                "categories": summary.categories,
                "templates": summary.templates,
            }
        )
        plans = summary.plans_by_status
        self.stdout.write(
            "  "
            + _(
                "党支部%(branches)d个：计划已备案%(filed)d个，待备案%(submitted)d个，已退回%(returned)d个，"
                "草稿%(draft)d个，未制定%(none)d个"
            )
            % {
                "branches": summary.branches,
                "filed": plans[PlanStatus.FILED],
                "submitted": plans[PlanStatus.SUBMITTED],
                "returned": plans[PlanStatus.RETURNED],
                "draft": plans[PlanStatus.DRAFT],
                "none": summary.branches_without_plan,
            }
        )
        self.stdout.write(
            "  "
            + _("学习任务%(tasks)d项，已完成%(done)d项，已逾期%(overdue)d项；党员领导干部个人自学计划%(cadre)d份")
            % {
                "tasks": summary.tasks,
                "done": summary.done_tasks,
                "overdue": summary.overdue_tasks,
                "cadre": summary.cadre_plans,
            }
        )
        inboxes = "，".join(
            _("%(role)s%(n)d条") % {"role": tree_tables.DEMO_LOGINS_BY_USERNAME[username].role_label, "n": count}
            for username, count in summary.demo_notifications.items()
        )
        self.stdout.write("  " + _("演示账号的站内通知：%(list)s") % {"list": inboxes})
        self.stdout.write(
            "  "
            + _(
                "试一试：党员在“我的学习”中完成本月任务；党支部书记采用区委下发的%(next)d年度模板制定计划，"
                "报送备案；基层党委或区委工作人员审核备案，并在“计划备案情况”中查看下级党支部。"
            )
            % {"next": summary.year + 1}
        )

    def _write_logins(self, logins: list[tree.DemoLoginResult]) -> None:
        self.stdout.write("")
        self.stdout.write(_("演示账号（用户名、手机号或邮箱均可登录）："))
        rows = [[_("角色"), _("用户名"), _("密码"), _("手机号"), _("邮箱"), _("姓名"), _("所在组织"), _("状态")]]
        for entry in logins:
            login = entry.login
            rows.append(
                [
                    login.role_label,
                    login.username,
                    tree.DEMO_PASSWORD,
                    login.phone,
                    login.email,
                    entry.full_name,
                    entry.organization_name,
                    _("新建") if entry.created else _("已存在，密码未改动"),
                ]
            )
        for line in _table(rows):
            self.stdout.write("  " + line)
        if any(not entry.created for entry in logins):
            self.stdout.write(_("已存在的账号不会重设密码：如已修改过，请用修改后的密码登录。"))
        mfa_users = "、".join(entry.login.username for entry in logins if entry.login.needs_mfa)
        state = _("开启") if settings.PORTAL_MFA_REQUIRED else _("关闭")
        self.stdout.write(
            _(
                "系统管理员和党委工作人员（%(users)s）在 PORTAL_MFA_REQUIRED=true 时首次登录须绑定 TOTP 两步验证；"
                "当前设置：%(state)s。"
            )
            % {"users": mfa_users, "state": state}
        )
