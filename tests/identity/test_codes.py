from datetime import date

import pytest

from skilltrace.identity.codes import (
    CodeError,
    mask_id_number,
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
)

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),  # published GB 11643 example
        ("11010519491231002x", "11010519491231002X"),  # lowercase x is accepted, normalised
        (" 610102199001011231 ", "610102199001011231"),  # surrounding spaces trimmed
        ("610102200002290012", "610102200002290012"),  # 29 Feb of a leap year
    ],
)
def test_valid_id_numbers(raw, expected):
    assert normalize_id_number(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "id_number_checksum"),  # wrong check digit
        ("610102199001011232", "id_number_checksum"),
        ("610102199002300014", "id_number_birth_date"),  # 30 February
        ("610102199013010011", "id_number_birth_date"),  # month 13
        ("610102190002290011", "id_number_birth_date"),  # 1900 was not a leap year
        ("610102202801010012", "id_number_birth_date"),  # born in the future
        ("991021199001011233", "id_number_province"),  # 99 is no province
        ("101021199001011233", "id_number_province"),
        ("610102900101123", "id_number_format"),  # old 15-digit format
        ("61010219900101123", "id_number_format"),  # 17 characters
        ("6101021990010112312", "id_number_format"),  # 19 characters
        ("61010219900101123Y", "id_number_format"),
        ("", "id_number_format"),
    ],
)
def test_invalid_id_numbers(raw, code):
    with pytest.raises(CodeError) as err:
        normalize_id_number(raw, today=TODAY)
    assert err.value.code == code


def test_future_date_is_relative_to_today():
    assert normalize_id_number("610102202601010018", today=TODAY)
    with pytest.raises(CodeError):
        normalize_id_number("610102202601010018", today=date(2025, 12, 31))


def test_masking_keeps_region_and_last_four():
    assert mask_id_number("61010219900101123X") == "610102********123X"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13912345678", "13912345678"),
        ("+86 139-1234-5678", "13912345678"),
        ("19912345678", "19912345678"),
        ("12912345678", None),
        ("1391234567", None),
        ("139123456789", None),
        ("abc", None),
    ],
)
def test_mobile_numbers(raw, expected):
    if expected:
        assert normalize_mobile(raw) == expected
    else:
        with pytest.raises(CodeError):
            normalize_mobile(raw)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("91350100M000100Y43", None),  # published GB 32100 example
        ("91350100m000100y43", None),
        ("91350100M000100Y44", "credit_code_checksum"),
        ("91350100M000100Y4", "credit_code_format"),
        ("91350100M000100I43", "credit_code_format"),  # I is not in the alphabet
    ],
)
def test_credit_codes(raw, code):
    if code is None:
        assert normalize_credit_code(raw) == raw.upper()
    else:
        with pytest.raises(CodeError) as err:
            normalize_credit_code(raw)
        assert err.value.code == code
