"""The roster file's columns (花名册): headers, which are required, the model fields they fill and the Chinese
labels of the choices. The headers are the file format, not interface text: they stay Chinese whatever the
interface language, like the choice labels written into and read from the cells."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy

from branches.models import (
    Education,
    Gender,
    MemberCategory,
    MembershipType,
)

SHEET_TITLE = "花名册"


INSTRUCTIONS_TITLE = "填写说明"


CATEGORY_SEPARATORS = re.compile(r"[、,，;；/\s]+")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    width: int
    note: Any
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, 10, gettext_lazy("必填。")),
    Column("gender", "性别", True, 6, gettext_lazy("必填：男 或 女。")),
    Column(
        "id_number",
        "身份证号",
        True,
        22,
        gettext_lazy("必填：18位居民身份证号，末位可为X。请保持文本格式，以免 Excel 把它变成数字。"),
        ("身份证号码", "公民身份号码", "身份证"),
    ),
    Column("birth_date", "出生日期", False, 12, gettext_lazy("可不填：留空时按身份证号推算；填写时须与身份证号一致。")),
    Column(
        "ethnicity", "民族", False, 8, gettext_lazy("如：汉族、回族。留空时新登记的党员按汉族登记，已有党员保持不变。")
    ),
    Column(
        "education",
        "学历",
        False,
        12,
        gettext_lazy("研究生、大学本科、大学专科、中专/高中、初中及以下；可留空。"),
        ("文化程度",),
    ),
    Column(
        "phone", "手机号", False, 14, gettext_lazy("11位手机号，以1开头；可留空。"), ("手机号码", "手机", "联系电话")
    ),
    Column("membership_type", "党员类型", True, 10, gettext_lazy("必填：正式党员 或 预备党员。"), ("党员身份",)),
    Column("joined_on", "入党日期", True, 12, gettext_lazy("必填，例如 2010-07-01。"), ("入党时间",)),
    Column(
        "full_member_on",
        "转正日期",
        False,
        12,
        gettext_lazy("正式党员填写；预备党员必须留空。"),
        ("转正时间", "转为正式党员日期"),
    ),
    Column("group", "党小组", False, 14, gettext_lazy("须是本支部已建立的党小组名称；可留空。"), ("所在党小组",)),
    Column("position", "职务/岗位", False, 16, gettext_lazy("可留空。"), ("职务", "岗位", "工作岗位")),
    Column(
        "categories",
        "类别",
        False,
        26,
        gettext_lazy("可填多个，用顿号、逗号或分号隔开：离退休党员、流动党员、非公企业党员、党员领导干部、学生党员。"),
        ("党员类别", "人员类别"),
    ),
)


COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}


# The export's first column: the portal's member number, so that a re-imported export finds each member even
# where the viewer saw the ID number masked. Not in the template: new members have none.
MEMBER_ID_HEADER = "党员编号"


EXPORT_HEADERS: tuple[str, ...] = (MEMBER_ID_HEADER, *(column.header for column in COLUMNS), "党籍状态")


EXPORT_WIDTHS: dict[str, int] = {column.header: column.width for column in COLUMNS} | {
    MEMBER_ID_HEADER: 9,
    "党籍状态": 10,
    "所在党支部": 24,
}


# Member fields an import writes (the file's columns, and what follows from them).
FIELD_FOR_KEY = {
    "name": ["name"],
    "gender": ["gender"],
    "birth_date": ["birth_date"],
    "ethnicity": ["ethnicity"],
    "education": ["education"],
    "phone": ["phone"],
    "membership_type": ["membership_type"],
    "joined_on": ["joined_on"],
    "full_member_on": ["full_member_on"],
    "group": ["group"],
    "position": ["position"],
    "categories": [category.value for category in MemberCategory],
}


# Model field name (in a ValidationError) → column key.
KEY_FOR_MODEL_FIELD = {
    "name": "name",
    "gender": "gender",
    "birth_date": "birth_date",
    "ethnicity": "ethnicity",
    "education": "education",
    "phone": "phone",
    "membership_type": "membership_type",
    "joined_on": "joined_on",
    "full_member_on": "full_member_on",
    "group": "group",
    "position": "position",
    **{category.value: "categories" for category in MemberCategory},
}


def _chinese_labels(choices) -> dict[str, str]:
    """value → Chinese label, whatever language is active (the msgids are the Chinese labels)."""
    with translation.override(None):
        return {choice.value: str(choice.label) for choice in choices}


def _label_lookup(choices, extra: dict[str, str]) -> dict[str, str]:
    lookup = {label: value for value, label in _chinese_labels(choices).items()}
    return lookup | extra


GENDER_BY_LABEL = _label_lookup(Gender, {"男性": Gender.MALE, "女性": Gender.FEMALE})


MEMBERSHIP_TYPE_BY_LABEL = _label_lookup(
    MembershipType, {"正式": MembershipType.FULL, "预备": MembershipType.PROBATIONARY}
)


EDUCATION_BY_LABEL = _label_lookup(
    Education,
    {
        "博士研究生": Education.POSTGRADUATE,
        "硕士研究生": Education.POSTGRADUATE,
        "博士": Education.POSTGRADUATE,
        "硕士": Education.POSTGRADUATE,
        "本科": Education.UNDERGRADUATE,
        "大专": Education.COLLEGE,
        "专科": Education.COLLEGE,
        "中专": Education.SECONDARY,
        "高中": Education.SECONDARY,
        "职高": Education.SECONDARY,
        "技校": Education.SECONDARY,
        "初中": Education.JUNIOR,
        "小学": Education.JUNIOR,
    },
)


def _category_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in _chinese_labels(MemberCategory).items():
        lookup[label] = value
        lookup[label.removesuffix("党员").removeprefix("党员")] = value
    lookup |= {
        "离休": MemberCategory.RETIRED,
        "退休": MemberCategory.RETIRED,
        "离退休人员": MemberCategory.RETIRED,
        "非公": MemberCategory.NON_PUBLIC,
        "非公有制企业党员": MemberCategory.NON_PUBLIC,
    }
    return lookup


CATEGORY_BY_LABEL = _category_lookup()


CATEGORY_FIELDS: tuple[str, ...] = tuple(category.value for category in MemberCategory)


HEADER_KEYS: dict[str, str] = {MEMBER_ID_HEADER: "member_id"}
