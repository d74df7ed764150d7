import datetime

import pytest
from django.core.exceptions import ValidationError

from branches import idnumbers


def test_it_accepts_a_number_with_a_correct_check_character():
    # The GB 11643 example number.
    idnumbers.validate_id_number("11010519491231002X")


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "checksum"),
        ("11010519491231002", "format"),
        ("1101051949123100AX", "format"),
        ("110105194913310025", "birth_date"),
    ],
)
def test_it_rejects_bad_numbers_with_a_reason(number, code):
    with pytest.raises(ValidationError) as error:
        idnumbers.validate_id_number(number)
    assert error.value.code == code


def test_it_masks_all_but_the_region_and_the_last_four():
    assert idnumbers.mask("11010519491231002X") == "**************002X"
    assert idnumbers.mask("") == ""


def test_compose_builds_valid_numbers():
    number = idnumbers.compose(region="110108", birth_date=datetime.date(1990, 2, 28), sequence=7)
    idnumbers.validate_id_number(number)
    assert idnumbers.birth_date_of(number) == datetime.date(1990, 2, 28)


def test_encryption_round_trips_and_the_digest_ignores_case():
    token = idnumbers.encrypt("11010519491231002X")
    assert "11010519491231002X" not in token
    assert idnumbers.decrypt(token) == "11010519491231002X"
    assert idnumbers.digest("11010519491231002x") == idnumbers.digest("11010519491231002X")
