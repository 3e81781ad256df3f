"""Tests for refcheck.numbers: Japanese and English amounts, units, ranges, approximations and dates."""

from __future__ import annotations

import pytest

from refcheck.numbers import Quantity, find_quantities, quantities_agree, units_comparable


def only(text: str) -> Quantity:
    found = find_quantities(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        # Japanese amounts with kanji multipliers, commas and full-width digits.
        ("政府は1兆円を投じる", 1e12, "円"),
        ("5,000億円の予算", 5e11, "円"),
        ("2.5万人が参加", 25_000, "人"),
        ("１兆２０００億円", 1.2e12, "円"),
        ("1兆2000億円", 1.2e12, "円"),
        ("1,000,000,000,000円", 1e12, "円"),
        ("二千五百人", 2500, "人"),
        ("一億円", 1e8, "円"),
        ("三千万円", 3e7, "円"),
        ("3千人", 3000, "人"),
        ("100億ドル", 1e10, "USD"),
        ("10億米ドル", 1e9, "USD"),
        ("50億ユーロ", 5e9, "EUR"),
        ("３０％", 30, "%"),
        ("30%の増加", 30, "%"),
        ("3割", 30, "%"),
        ("15パーセント", 15, "%"),
        ("5年", 5, "年"),
        ("5年間", 5, "年"),
        ("3か月", 3, "月"),
        ("3ヵ月", 3, "月"),
        ("6ヶ月", 6, "月"),
        ("200社", 200, "社"),
        ("1,234件", 1234, "件"),
        ("2倍", 2, "倍"),
        ("10台", 10, "台"),
        ("1.5GW", 1.5, "GW"),
        ("300MW", 300, "MW"),
        ("1,000キロメートル", 1000, "km"),
        ("12カ国", 12, "国"),
        # English.
        ("$4 billion deal", 4e9, "USD"),
        ("US$5bn", 5e9, "USD"),
        ("€3m", 3e6, "EUR"),
        ("¥1,000", 1000, "円"),
        ("4 billion yen", 4e9, "円"),
        ("30 percent", 30, "%"),
        ("1.2 million people", 1.2e6, "人"),
        ("a million people", 1e6, "人"),
        ("20 years", 20, "年"),
        ("500 companies", 500, "社"),
    ],
)
def test_amounts_are_normalised(text, value, unit):
    quantity = only(text)
    assert quantity.value == pytest.approx(value)
    assert quantity.unit == unit
    assert (quantity.low, quantity.high) == (pytest.approx(value), pytest.approx(value))


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("2026年に開始", 2026, "year-date"),
        ("2026年度", 2026, "year-date"),
        ("二〇二六年", 2026, "year-date"),
        ("令和6年", 2024, "year-date"),
        ("平成元年", 1989, "year-date"),
        ("in 2026", 2026, "year-date"),
        ("2025-12-26", 20251226, "date"),
        ("2025/12/26", 20251226, "date"),
        ("2025年12月26日", 20251226, "date"),
        ("１２月２０日", 1220, "date"),
        ("December 20, 1998", 19981220, "date"),
        ("20 Dec 1998", 19981220, "date"),
        ("July 1909", 19090700, "date"),
    ],
)
def test_dates_and_calendar_years(text, value, unit):
    quantity = only(text)
    assert (quantity.value, quantity.unit) == (value, unit)


def test_a_year_is_a_date_but_a_count_of_years_is_a_duration():
    assert only("2026年").unit == "year-date"
    assert only("5年").unit == "年"
    assert only("100年").unit == "年"


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("3〜5年", 3, 5, "年"),
        ("3～5年", 3, 5, "年"),
        ("10-20%", 10, 20, "%"),
        ("10–20%", 10, 20, "%"),
        ("10 to 20 percent", 10, 20, "%"),
        ("1〜2億円", 1e8, 2e8, "円"),
        ("1000万〜2000万円", 1e7, 2e7, "円"),
        ("$1-2 billion", 1e9, 2e9, "USD"),
    ],
)
def test_ranges(text, low, high, unit):
    quantity = only(text)
    assert (quantity.low, quantity.high, quantity.unit) == (pytest.approx(low), pytest.approx(high), unit)
    assert quantity.text == text


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("数十億ドル", 2e9, 9.9e9, "USD"),
        ("数百人", 200, 990, "人"),
        ("数年", 2, 9.9, "年"),
        ("数千万円", 2e7, 9.9e7, "円"),
        ("several billion dollars", 2e9, 9e9, "USD"),
    ],
)
def test_vague_amounts_are_ranges(text, low, high, unit):
    quantity = only(text)
    assert quantity.approximate
    assert (quantity.low, quantity.high, quantity.unit) == (pytest.approx(low), pytest.approx(high), unit)


@pytest.mark.parametrize(
    "text",
    ["約100人", "100人程度", "100人以上", "1兆円規模", "およそ5年", "5,000億円超", "about 30 percent",
     "nearly $4 billion", "more than 500 companies", "over fifty films", "roughly 20 years"],
)
def test_approximations(text):
    assert only(text).approximate


@pytest.mark.parametrize("text", ["100人", "$4 billion", "5年"])
def test_exact_numbers_are_not_approximate(text):
    assert not only(text).approximate


@pytest.mark.parametrize(
    "text",
    ["千葉県の一部", "統一された", "四国", "十分な説明", "GPT-4o and H100", "一方で", "the 4th", "数学"],
)
def test_numerals_inside_words_and_names_are_not_quantities(text):
    assert find_quantities(text) == []


def test_spans_point_into_the_original_text_even_after_full_width_folding():
    text = "予算は約５，０００億円で、期間は３〜５年。"
    found = find_quantities(text)
    assert [text[q.start:q.end] for q in found] == [q.text for q in found] == ["５，０００億円", "３〜５年"]
    assert found[0].value == 5e11 and found[0].approximate


def test_several_quantities_in_reading_order():
    found = find_quantities("2025年12月26日、政府は1兆円を投じ、2.5万人を雇うと発表した。")
    assert [(q.value, q.unit) for q in found] == [(20251226, "date"), (1e12, "円"), (25_000, "人")]


def test_kanji_and_arabic_notations_agree():
    kanji, arabic = only("一兆円"), only("1,000,000,000,000円")
    assert quantities_agree(kanji, arabic)
    assert quantities_agree(only("1兆円"), only("１兆円"))


def test_different_amounts_disagree_and_ranges_overlap():
    assert not quantities_agree(only("1兆円"), only("5,000億円"))
    assert quantities_agree(only("4年"), only("3〜5年"))
    assert not quantities_agree(only("7年"), only("3〜5年"))
    assert quantities_agree(only("50億ドル"), only("数十億ドル"))
    assert quantities_agree(only("約100人"), only("105人"))
    assert not quantities_agree(only("100人"), only("105人"))


def test_units_must_match_and_dates_only_meet_dates():
    assert not quantities_agree(only("100人"), only("100社"))
    assert units_comparable(only("fifty"), only("50人"))
    assert not units_comparable(only("2026年"), only("2026人"))
    assert quantities_agree(only("12月26日"), only("2025-12-26"))
    assert not quantities_agree(only("12月20日"), only("2025-12-26"))
    assert quantities_agree(only("2025年"), only("2025年12月26日"))
