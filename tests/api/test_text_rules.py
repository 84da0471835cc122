"""The free-text and real-name rules, as tables (no database)."""

import re

import pytest

from skilltrace.api.text import (
    first_unclean,
    is_clean_text,
    is_real_name,
    name_pattern,
    text_pattern,
)


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("张三", True),
        ("欧阳娜娜", True),
        ("阿卜杜拉·买买提", True),
        ("María José", True),
        ("Zoë O", True),
        ("Nguyễn Văn An", True),
        ("Ли Сергей", True),
        ("张三\x00", False),
        ("张\u202e三", False),
        ("张三\x07", False),
        ("张\u200b三", False),
        ("张  三", False),
        (" 张三", False),
        ("·张三", False),
        ("张三·", False),
        ("张三1", False),
        ("Robert'); DROP", False),
        ("张\t三", False),
        ("张\n三", False),
    ],
)
def test_real_names(name, ok):
    assert is_real_name(name) is ok


@pytest.mark.parametrize(
    ("value", "multiline", "ok"),
    [
        ("城市系统 A-1 (test)", False, True),
        ("第一行\n第二行\t缩进", True, True),
        ("第一行\n第二行", False, False),
        ("nul\x00", True, False),
        ("bell\x07", True, False),
        ("rtl\u202eoverride", True, False),
        ("bom\ufeff", True, False),
        ("del\x7f", True, False),
        ("lone \ud800 surrogate", True, False),
        ("c1\x85", True, False),
        ("emoji 👍 ok", False, True),
    ],
)
def test_free_text(value, multiline, ok):
    assert is_clean_text(value, multiline) is ok


def test_published_patterns_are_the_checked_ones():
    # the OpenAPI patterns compile as Python regular expressions and agree with the checks
    assert re.fullmatch(text_pattern(False), "abc") and not re.fullmatch(text_pattern(), "a\x00")
    assert re.fullmatch(name_pattern(), "阿卜杜拉·买买提")


def test_first_unclean_walks_nested_json():
    assert first_unclean([("body", {"a": "ok", "b": ["x", {"c": "bad\x00"}]})]) == "c"
    assert first_unclean([("body", {"bad\x00key": 1})]) == "body"
    assert first_unclean([("q", "fine\n"), ("body", {"a": [1, 2.5, None, True]})]) is None
    assert first_unclean([(None, "a multipart part without a name")]) is None
    assert first_unclean([(None, "bad\x00")]) == ""
