"""The yearly report as files: the PDF (WeasyPrint, templates/reviews/pdf/) with an SVG chart drawn on the server
by pygal, and the xlsx workbook (portal.xlsx), both from one `YearlyReport`."""

from __future__ import annotations

import base64
import datetime
import re

import pygal
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from pygal.style import Style

from portal.xlsx import Sheet, workbook_bytes
from reviews.ratings.models import STAR_LEVELS, star_label
from reviews.reports.selectors import PDF_ROW_LIMIT, VERIFY_COMMAND, YearlyReport

CJK_FONT = "Noto Sans CJK SC"
SCRIPT_RE = re.compile(r"<script\b.*?</script>", re.DOTALL)


def trend_chart_svg(report: YearlyReport) -> str:
    """The month-by-month compliance rate as an SVG bar chart (no script): the table beside it holds the numbers."""
    style = Style(
        font_family=CJK_FONT,
        background="white",
        plot_background="white",
        colors=("#b22222",),
        label_font_size=12,
        major_label_font_size=12,
        title_font_size=14,
        value_font_size=11,
    )
    chart = pygal.Bar(
        style=style,
        width=520,
        height=300,
        range=(0, 100),
        show_legend=False,
        print_values=True,
        js=[],
        disable_xml_declaration=True,
        explicit_size=True,
        title=_("各月组织生活合规率（%）"),
        no_data_text=_("暂无数据"),
    )
    chart.x_labels = [label for label, _tally in report.months]
    chart.add(_("合规率"), [tally.rate for _label, tally in report.months])
    # pygal always writes its interactive config as a <script>: the printed chart has no use for it.
    return SCRIPT_RE.sub("", chart.render(is_unicode=True))


def page_counter_css() -> str:
    """The CSS `content` of the page footer: "第 N 页 共 M 页" with the counters in place of the numbers."""
    text = _("第 %(page)s 页 共 %(pages)s 页")
    parts = text.replace("%(page)s", "\0page\0").replace("%(pages)s", "\0pages\0").split("\0")
    css = []
    for part in parts:
        if part in ("page", "pages"):
            css.append(f"counter({part})")
        elif part:
            css.append('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(css)


def pdf_bytes(report: YearlyReport, *, version: int) -> bytes:
    from weasyprint import HTML

    svg = trend_chart_svg(report)
    context = {
        "report": report,
        "version": version,
        "chart_src": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
        "page_counter": page_counter_css(),
        "limit": PDF_ROW_LIMIT,
        "verify_command": VERIFY_COMMAND,
        "children": report.board.children[:PDF_ROW_LIMIT],
        "missed": report.missed[:PDF_ROW_LIMIT],
        "records": report.records[:PDF_ROW_LIMIT],
        "attendance_rows": report.attendance.rows[:PDF_ROW_LIMIT],
        "talk_rows": report.talks.rows[:PDF_ROW_LIMIT],
        "problem_rows": report.problems.rows[:PDF_ROW_LIMIT] if report.problems else [],
    }
    html = render_to_string("reviews/pdf/yearly_report.html", context)
    return HTML(string=html).write_pdf()


def _percent(value: int | None) -> int | str:
    return "" if value is None else value


def _local(value: datetime.datetime | None) -> datetime.datetime | None:
    return timezone.localtime(value) if value else None


def xlsx_bytes(report: YearlyReport, *, version: int) -> bytes:
    """One sheet per section, each with the organisation, year, version and as-of time above a frozen header."""
    organization = report.organization
    heading = [
        _("%(name)s %(year)d年度检查报告") % {"name": organization.name, "year": report.year},
        _("组织：%(name)s（%(code)s）") % {"name": organization.name, "code": organization.code},
        _("年度：%(year)d　报告版本：第%(version)d版　规则版本：%(rules)s")
        % {"year": report.year, "version": version, "rules": report.rules_fingerprint},
    ]

    def sheet(title: str, headers: list[str], rows) -> Sheet:
        return Sheet(title=title, headers=headers, rows=rows, heading=heading, as_of=report.as_of)

    members = report.members
    study = report.study
    total = report.board.total
    summary_rows = [
        [_("在册党员"), members.active],
        [_("正式党员"), members.full],
        [_("预备党员"), members.probationary],
        [_("本年度入党"), members.joined],
        [_("本年度减少"), members.left],
        *[[category.label, category.count] for category in members.categories],
        [_("应完成（已过补录期）"), total.applicable],
        [_("已完成"), total.met],
        [_("未完成"), total.missed],
        [_("合规率（%）"), _percent(total.rate)],
        [_("进行中"), total.pending],
        [_("学习任务已完成"), study.tasks_done],
        [_("学习任务未完成"), study.tasks_open],
        [_("出勤率（%）"), _percent(report.attendance.total.rate)],
        [_("谈心谈话"), report.talks.total],
        [_("归档记录"), len(report.records)],
    ]
    sheets = [
        sheet(_("概况"), [_("项目"), _("数值")], summary_rows),
        sheet(
            _("月度合规"),
            [_("月份"), _("应完成"), _("已完成"), _("未完成"), _("合规率（%）"), _("进行中")],
            [
                [label, tally.applicable, tally.met, tally.missed, _percent(tally.rate), tally.pending]
                for label, tally in report.months
            ],
        ),
    ]
    if report.is_branch:
        sheets.append(
            sheet(
                _("规则落实"),
                [_("规则编号"), _("规则"), _("检查对象"), _("周期数"), _("已完成"), _("未完成"), _("依据")],
                [[r.code, r.title, r.subject, r.periods, r.met, r.missed, r.source] for r in report.rule_rows],
            )
        )
    else:
        sheets.append(
            sheet(
                _("下级组织"),
                [
                    _("组织"),
                    _("应完成"),
                    _("已完成"),
                    _("未完成"),
                    _("合规率（%）"),
                    _("学习计划未备案"),
                    _("软弱涣散"),
                ],
                [
                    [
                        row.organization.name,
                        row.total.applicable,
                        row.total.met,
                        row.total.missed,
                        _percent(row.total.rate),
                        row.figures.plans_not_filed,
                        _("是") if row.organization.is_weak else "",
                    ]
                    for row in report.board.children
                ],
            )
        )
    sheets += [
        sheet(
            _("未完成事项"),
            [_("组织"), _("上级组织"), _("未完成事项"), _("规则编号"), _("依据")],
            [[r.organization, r.parent, r.gap, r.rule_code, r.source] for r in report.missed],
        ),
        sheet(
            _("学习"),
            [_("项目"), _("数值")],
            _study_rows(report),
        ),
        sheet(
            _("出勤"),
            [
                _("党员") if report.is_branch else _("组织"),
                _("应到"),
                _("出席"),
                _("请假"),
                _("缺席"),
                _("出勤率（%）"),
            ],
            [
                [r.name, r.expected, r.present, r.leave, r.absent, _percent(r.rate)]
                for r in [*report.attendance.rows, *report.attendance.by_category, report.attendance.total]
            ],
        ),
        sheet(_("谈心谈话"), [_("项目"), _("数值")], _talk_rows(report)),
        sheet(
            _("归档记录"),
            [_("组织"), _("召开日期"), _("会议类型"), _("主题"), _("版本"), _("归档时间"), _("内容摘要（SHA-256）")],
            [
                [r.organization, r.held_on, r.kind, r.topic, r.version, _local(r.filed_at), r.content_hash]
                for r in report.records
            ],
        ),
        sheet(
            _("记录链"),
            [_("组织"), _("序号"), _("签名")],
            [[head.organization.name, head.sequence, head.signature] for head in report.heads],
        ),
        sheet(
            _("党费收缴"),
            [_("组织"), _("应交合计（元）"), _("实交合计（元）"), _("收缴率（%）"), _("欠交合计（元）")],
            _dues_rows(report),
        ),
        sheet(_("民主评议"), [_("项目"), _("数值")], _evaluation_rows(report)),
        sheet(
            _("问题整改"),
            [_("项目"), _("数值")] if not report.is_branch else [_("问题描述"), _("整改时限"), _("状态"), _("逾期")],
            _problem_rows(report),
        ),
        sheet(
            _("星级评定"),
            [_("项目"), _("数值"), _("说明")]
            if report.is_branch
            else [_("党组织"), _("党支部"), *_star_labels(), _("待确认"), _("未评定")],
            _rating_rows(report),
        ),
    ]
    if report.unrecorded:
        sheets.append(
            sheet(_("未记录事项"), [_("事项"), _("情况")], [[label, _("未记录")] for _key, label in report.unrecorded])
        )
    return workbook_bytes(sheets)


def _star_labels() -> list[str]:
    return [star_label(level) for level in STAR_LEVELS]


def _rating_rows(report: YearlyReport) -> list[list]:
    """A branch: its stars (confirmed, or proposed and waiting) and the score item by item; a committee: the
    branches per level for each child and in all; 本年度无记录 when nothing was proposed."""
    section = report.ratings
    if section is None or not section.has_data:
        return [[_("星级评定"), _("本年度无记录")]]
    rating = section.rating
    if rating is not None:
        status = rating.stars_label if rating.is_confirmed else _("待上级党组织确认")
        rows: list[list] = [
            [_("评定星级"), status, ""],
            [_("建议星级"), rating.proposed_label, ""],
            [_("得分"), rating.score, rating.rubric.name],
        ]
        rows += [[row.title, row.points, row.evidence] for row in section.breakdown]
        return rows
    distributions = [*section.children, *([section.total] if section.total else [])]
    return [
        [
            d.organization.name if d is not section.total else _("合计"),  # type: ignore[union-attr]  # children have one
            d.branches,
            *d.by_stars,
            d.waiting,
            d.unrated,
        ]
        for d in distributions
    ]


def _study_rows(report: YearlyReport) -> list[list]:
    study = report.study
    rows: list[list] = []
    if report.is_branch:
        if study.plan is None:
            rows.append([_("学习计划"), _("未记录")])
        else:
            rows += [
                [_("学习计划"), study.plan.title],
                [_("状态"), study.plan.status],
                [_("版本"), study.plan.revision],
                [_("备案时间"), _local(study.plan.filed_at) or _("未备案")],
                [_("学习安排条目"), study.plan.items],
            ]
    else:
        rows += [[_("党支部数"), study.branches], [_("学习计划未备案的党支部"), study.plans_not_filed]]
    rows += [
        [_("学习任务已完成"), study.tasks_done],
        [_("学习任务未完成"), study.tasks_open],
        [_("学习任务完成率（%）"), _percent(study.task_rate)],
    ]
    return rows


def _evaluation_rows(report: YearlyReport) -> list[list]:
    """The campaign status (a branch) or the branches per status, the grades decided and the 基本合格/不合格
    cases' handling; 本年度无记录 when no campaign of the year exists."""
    section = report.evaluations
    if section is None or not section.has_data:
        return [[_("民主评议党员"), _("本年度无记录")]]
    if report.is_branch:
        rows: list[list] = [[_("评议状态"), section.status_label]]
    else:
        rows = [[_("党支部数"), section.branches]] + [
            [_("党支部：%(status)s") % {"status": label}, count] for _status, label, count in section.statuses
        ]
    rows += [[_("评定等次：%(grade)s") % {"grade": label}, count] for label, count in section.grades]
    rows += [[f"{case.grade}（{case.status}）", case.count] for case in section.cases]
    return rows


def _problem_rows(report: YearlyReport) -> list[list]:
    """A branch: its problems of the year; a committee: the counts by state and source, and the overdue."""
    section = report.problems
    if section is None or not section.total:
        return [[_("本年度无记录"), "", "", ""]] if report.is_branch else [[_("问题整改"), _("本年度无记录")]]
    if report.is_branch:
        return [[r.description, r.deadline, r.state, _("是") if r.overdue else ""] for r in section.rows]
    return [
        [_("问题总数"), section.total],
        *[[_("状态：%(state)s") % {"state": label}, count] for label, count in section.by_state],
        [_("逾期未销号"), section.overdue],
        *[[_("来源：%(source)s") % {"source": label}, count] for label, count in section.by_source],
    ]


def _dues_rows(report: YearlyReport) -> list[list]:
    """党费 per child (or the branch itself) over the year, from the branch-month roll-ups, and the total."""
    if report.dues is None:
        return []
    rows = [
        [row.organization.name, row.total.due, row.total.paid, _percent(row.total.rate), row.total.arrears]
        for row in report.dues.rows
    ]
    total = report.dues.total
    return [*rows, [_("合计"), total.due, total.paid, _percent(total.rate), total.arrears]]


def _talk_rows(report: YearlyReport) -> list[list]:
    coverage = report.talks.coverage
    if coverage is not None:
        return [
            [_("应谈人次（C11）"), coverage.required],
            [_("已谈人次"), coverage.covered],
            [_("覆盖率（%）"), _percent(coverage.percent)],
        ]
    return [[row.name, row.talks] for row in report.talks.rows] + [[_("合计"), report.talks.total]]


def data_fingerprint(report: YearlyReport) -> str:
    """What the report says, without its as-of time: equal fingerprints mean the same report."""
    from reviews.reports.selectors import fingerprint_text

    summary = (
        report.organization.pk,
        report.year,
        report.rules_fingerprint,
        [(t.applicable, t.met, t.open_applicable, t.open_met) for _label, t in report.months],
        [(c.organization.pk, c.total.applicable, c.total.met) for c in report.board.children],
        report.rule_rows,
        report.missed,
        vars(report.members),
        repr(report.study),
        report.attendance.rows,
        report.attendance.total,
        report.talks.total,
        report.talks.rows,
        [(h.organization.pk, h.sequence, h.signature) for h in report.heads],
        report.records,
        # Lifted branches only when there are any, so that a report without them keeps its earlier fingerprint.
        [w.pk for w in report.weak] + [("lifted", w.pk) for w in report.weak_lifted],
        _dues_rows(report),
        _evaluation_rows(report),
        _problem_rows(report),
        report.problems.by_source if report.problems else None,
        _rating_rows(report),
    )
    return fingerprint_text(summary)
