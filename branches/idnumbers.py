"""Resident ID numbers (居民身份证号码, GB 11643-1999): validation, storage, masking.

A number is stored encrypted (Fernet) so that a database dump does not show it,
next to a keyed digest (HMAC-SHA256) used to find and de-duplicate members
without decrypting every row.
"""

import datetime
import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def check_character(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def validate_id_number(value: str) -> None:
    number = normalize(value)
    if not _PATTERN.match(number):
        raise ValidationError(_("身份证号应为18位，前17位为数字，末位为数字或X。"), code="format")
    try:
        datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期无效。"), code="birth_date") from None
    if check_character(number[:17]) != number[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对。"), code="checksum")


def birth_date_of(number: str) -> datetime.date:
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def mask(number: str) -> str:
    """`**************1234`: the last four only.

    Shown beside the birth year (never the full birth date) to a viewer without the permission, this leaves
    every region code and every day of that year open: hundreds of candidates even within one city.
    """
    if not number:
        return ""
    return "*" * (len(number) - 4) + number[-4:]


@cache
def _fernet() -> Fernet:
    return Fernet(settings.FIELD_ENCRYPTION_KEY.encode())


def encrypt(number: str) -> str:
    return _fernet().encrypt(number.encode()).decode() if number else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def digest(number: str) -> str:
    key = hashlib.sha256(("id-digest:" + settings.FIELD_ENCRYPTION_KEY).encode()).digest()
    return hmac.new(key, normalize(number).encode(), hashlib.sha256).hexdigest()


def compose(*, region: str, birth_date: datetime.date, sequence: int) -> str:
    """Build a valid number from a 6-digit region code, a birth date and a 3-digit sequence."""
    first17 = f"{region}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)
