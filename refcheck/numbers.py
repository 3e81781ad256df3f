"""Find amounts, counts, durations and dates in Japanese or English prose and normalise them to comparable values."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Quantity", "find_quantities", "units_comparable", "quantities_agree", "DATE_UNITS"]

# Units that name a point in time rather than an amount; they are only compared with each other.
DATE_UNITS = frozenset({"year-date", "date"})


@dataclass(frozen=True)
class Quantity:
    """One number as written, with its normalised value, unit and the range it stands for.

    `value` is the normalised amount (1兆円 → 1e12, 30% → 30). Dates have unit "date" and value
    YYYYMMDD with 0 for an unknown part (12月20日 → 1220); a bare year (2026年, "in 2026") has unit
    "year-date". `low`/`high` bound ranges (3〜5年) and vague amounts (数十億 → 2e9..9.9e9); for an
    exact number both equal `value`. Approximation words (約, over, …) set `approximate` only.
    """

    value: float
    unit: str | None
    text: str
    start: int
    end: int
    approximate: bool = False
    low: float = math.nan
    high: float = math.nan

    def __post_init__(self) -> None:
        # Unset bounds default to the value itself, so every Quantity can be compared as a range.
        if math.isnan(self.low):
            object.__setattr__(self, "low", self.value)
        if math.isnan(self.high):
            object.__setattr__(self, "high", self.value)


# ---------------------------------------------------------------------------------------------
# Normalisation with an offset map: NFKC folds full-width digits, commas, ％ and ～, but it can
# change lengths, so each normalised character remembers where it came from in the input.

_COMBINING_MARKS = {"\uff9e", "\uff9f", "\u3099", "\u309a"}  # half-width and combining (semi-)voiced marks


def _normalise_with_map(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    origin: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and (text[j] in _COMBINING_MARKS or unicodedata.combining(text[j])):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j])
        out.append(piece)
        origin.extend([i] * len(piece))
        i = j
    origin.append(len(text))
    return "".join(out), origin


# ---------------------------------------------------------------------------------------------
# Patterns (applied to the NFKC text).

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])|\d+(?:\.\d+)?"
_KANJI_DIGITS = "〇零一二三四五六七八九"
_KANJI_SMALL = "十百千"
_KANJI_BIG = "万億兆"
_JA_PART = rf"(?:{_ARABIC}|[{_KANJI_DIGITS}{_KANJI_SMALL}数])"
_JA_NUMBER = rf"{_JA_PART}(?:{_JA_PART}|[{_KANJI_BIG}])*"

_EN_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
}
_EN_SCALE_ONLY_WORDS = {"one": 1, "a": 1, "an": 1}  # numbers only when a scale word follows ("one billion")
_EN_VAGUE_WORDS = {"several": (2, 9), "a few": (2, 5), "few": (2, 5)}
_EN_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_EN_WORD_NUMBER = (
    rf"{_EN_TENS}-(?:one|two|three|four|five|six|seven|eight|nine)"
    r"|" + "|".join(sorted(_EN_WORDS, key=len, reverse=True))
)

_EN_SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12,
}
_EN_SCALE_WORDS = r"thousand|million|billion|trillion|mln|mn|bn|tn"  # unambiguous without a currency sign
_EN_SCALE_SHORT = r"k|m|b"  # only after a currency sign ($5m); otherwise metres, bytes, …

_CURRENCY_PREFIX = {
    "us$": "USD", "$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
    "¥": "円", "jpy": "円", "rmb": "CNY", "cny": "CNY",
}
_CURRENCY_PREFIX_RE = r"US\$|\$|€|£|¥|USD\s?|EUR\s?|GBP\s?|JPY\s?|RMB\s?|CNY\s?"

# Japanese units after a number, longest first; value: (normalised unit, multiplier).
_JA_UNITS: dict[str, tuple[str, float]] = {
    "円": ("円", 1), "米ドル": ("USD", 1), "ドル": ("USD", 1), "ユーロ": ("EUR", 1), "ポンド": ("GBP", 1),
    "人民元": ("CNY", 1), "元": ("CNY", 1), "ウォン": ("KRW", 1),
    "人": ("人", 1), "名": ("人", 1),
    "年間": ("年", 1), "年度": ("year-date", 1), "年": ("年", 1),
    "か月間": ("月", 1), "ヵ月間": ("月", 1), "カ月間": ("月", 1), "ヶ月間": ("月", 1), "ケ月間": ("月", 1),
    "か月": ("月", 1), "ヵ月": ("月", 1), "カ月": ("月", 1), "ヶ月": ("月", 1), "ケ月": ("月", 1), "箇月": ("月", 1),
    "週間": ("週", 1), "日間": ("日", 1), "日": ("日", 1), "時間": ("時間", 1),
    "カ国": ("国", 1), "か国": ("国", 1), "ヵ国": ("国", 1), "ヶ国": ("国", 1),
    "社": ("社", 1), "件": ("件", 1), "倍": ("倍", 1), "%": ("%", 1), "パーセント": ("%", 1), "割": ("%", 10),
    "ポイント": ("pt", 1), "台": ("台", 1), "個": ("個", 1), "回": ("回", 1), "歳": ("歳", 1), "位": ("位", 1),
    "店舗": ("店", 1), "店": ("店", 1), "校": ("校", 1), "機": ("機", 1), "基": ("基", 1), "本": ("本", 1),
    "冊": ("冊", 1), "枚": ("枚", 1), "世帯": ("世帯", 1), "票": ("票", 1), "議席": ("議席", 1), "種類": ("種類", 1),
    "文字": ("文字", 1), "ページ": ("ページ", 1), "トン": ("t", 1), "度": ("度", 1), "℃": ("度", 1),
    "GWh": ("GWh", 1), "TWh": ("TWh", 1), "MWh": ("MWh", 1), "kWh": ("kWh", 1),
    "GW": ("GW", 1), "MW": ("MW", 1), "kW": ("kW", 1), "TB": ("TB", 1), "GB": ("GB", 1), "MB": ("MB", 1),
    "平方キロメートル": ("km2", 1), "km2": ("km2", 1), "km²": ("km2", 1), "キロメートル": ("km", 1), "km": ("km", 1),
    "センチメートル": ("cm", 1), "cm": ("cm", 1), "メートル": ("m", 1), "キログラム": ("kg", 1), "kg": ("kg", 1),
}
# Units a number written only in kanji may take: kanji numerals hide inside words (千葉, 一部, 四国),
# so they count only before an unmistakable counter.
_KANJI_ONLY_OK_UNITS = {"円", "USD", "EUR", "人", "年", "月", "週", "日", "社", "件", "倍", "%", "国", "台", "回", "歳", "year-date"}
_JA_UNIT_RE = "|".join(re.escape(u) for u in sorted(_JA_UNITS, key=len, reverse=True))

_EN_UNITS: dict[str, str] = {
    "percent": "%", "per cent": "%", "percentage points": "pt", "dollars": "USD", "dollar": "USD",
    "yen": "円", "euros": "EUR", "euro": "EUR", "pounds": "GBP", "people": "人", "persons": "人",
    "years": "年", "year": "年", "months": "月", "month": "月", "weeks": "週", "week": "週", "days": "日",
    "day": "日", "hours": "時間", "companies": "社", "firms": "社", "countries": "国", "times": "倍",
    "gw": "GW", "mw": "MW", "kw": "kW", "gwh": "GWh", "twh": "TWh", "tb": "TB", "gb": "GB",
}
_EN_UNIT_RE = "|".join(re.escape(u) for u in sorted(_EN_UNITS, key=len, reverse=True))

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_NAME = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "大正": 1911, "明治": 1867}

_DATE_PATTERNS = [
    # 2025-12-26, 2025/12/26, 2025.12.26
    (re.compile(r"(?<![\d.])(?P<y>(?:1[89]|2[01])\d\d)[-/.](?P<m>1[0-2]|0?[1-9])[-/.](?P<d>3[01]|[12]\d|0?[1-9])(?![\d])"), "ymd"),
    # 2025年12月26日, 12月20日, 2025年12月, 令和6年5月1日
    (re.compile(
        r"(?:(?P<era>令和|平成|昭和|大正|明治)(?P<ey>\d{1,2}|元)年|(?P<y>\d{4})年)?"
        r"(?P<m>1[0-2]|0?[1-9])月(?:(?P<d>3[01]|[12]\d|0?[1-9])日)?"), "ja"),
    # December 20, 1998 / Dec. 20 / July 11, 1909
    (re.compile(rf"\b(?P<mn>{_MONTH_NAME})\s+(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?:,?\s+(?P<y>(?:1[5-9]|20)\d\d))?\b"), "en-md"),
    # 20 December 1998 / 20 Dec 1998
    (re.compile(rf"\b(?P<d>3[01]|[12]\d|0?[1-9])\s+(?P<mn>{_MONTH_NAME})(?:,?\s+(?P<y>(?:1[5-9]|20)\d\d))?\b"), "en-dm"),
    # December 1998
    (re.compile(rf"\b(?P<mn>{_MONTH_NAME})\s+(?P<y>(?:1[5-9]|20)\d\d)\b"), "en-my"),
    # 令和6年 (an era year alone)
    (re.compile(r"(?P<era>令和|平成|昭和|大正|明治)(?P<ey>\d{1,2}|元)年(?!間)"), "era"),
]

_APPROX_BEFORE_JA = re.compile(r"(?:約|およそ|凡そ|概ね|おおむね|ほぼ|推定|最大|最大で|最低|少なくとも|実に|超)\s*$")
_APPROX_BEFORE_EN = re.compile(
    r"(?:\b(?:about|around|approximately|approx\.|roughly|nearly|almost|over|more than|less than|fewer than"
    r"|under|up to|at least|at most|some|circa|an estimated|estimated|upwards of)|~|≈|>|<)\s*$",
    re.IGNORECASE,
)
_APPROX_AFTER = re.compile(
    r"\s*(?:程度|前後|近く|超|余り|あまり|余|強|弱|ほど|くらい|ぐらい|以上|以下|未満|規模|\+|or more|or so|plus\b)"
)
_RANGE_SEP = re.compile(r"\s*(?:〜|~|-|–|—|−|to|から|ないし)\s*")

_NUMBER_RE = re.compile(
    rf"(?P<cur>{_CURRENCY_PREFIX_RE})?"
    rf"(?:(?P<ja>(?<![A-Za-z0-9_.,])(?<![A-Za-z]-){_JA_NUMBER})"
    rf"|(?P<vague>\b(?:several|a few)\b)"
    rf"|(?P<word>\b(?:{_EN_WORD_NUMBER}|one|an|a)\b))"
    rf"(?:\s?(?P<scale>(?:{_EN_SCALE_WORDS})\b|(?:{_EN_SCALE_SHORT})(?![A-Za-z])))?",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------------------------
# Parsing one number.

_DIGIT_VALUES = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_SMALL_MULT = {"十": 10, "百": 100, "千": 1000}
_BIG_MULT = {"万": 1e4, "億": 1e8, "兆": 1e12}
_TOKEN_RE = re.compile(rf"{_ARABIC}|.", re.DOTALL)


def _parse_ja_number(text: str, vague_digit: float) -> float | None:
    """Value of a Japanese/Arabic numeral like 1兆2000億, 2.5万, 二千五百, 数十 (数 read as `vague_digit`)."""
    total = 0.0
    section = 0.0  # below 万
    current: float | None = None
    for token in _TOKEN_RE.findall(text):
        if token[0].isdigit():
            current = float(token.replace(",", ""))
        elif token in _DIGIT_VALUES:
            # Positional kanji digits (二〇二六) read like Arabic ones.
            current = (current or 0) * 10 + _DIGIT_VALUES[token]
        elif token == "数":
            current = vague_digit
        elif token in _SMALL_MULT:
            section += (1 if current is None else current) * _SMALL_MULT[token]
            current = None
        elif token in _BIG_MULT:
            amount = section + (current or 0)
            total += (amount or 1) * _BIG_MULT[token]
            section, current = 0.0, None
        else:
            return None
    return total + section + (current or 0)


@dataclass
class _Raw:
    """A number before range merging: mutable while the scanner builds it."""

    value: float
    low: float
    high: float
    unit: str | None
    start: int  # normalised offsets
    end: int
    approximate: bool
    scaled: bool  # carried a 万/億/兆 or million/billion: a bare range partner borrows its scale
    scale: float
    kanji_only: bool
    vague: bool


def _scan_number(norm: str, match: re.Match) -> _Raw | None:
    currency = _CURRENCY_PREFIX.get((match.group("cur") or "").strip().lower())
    scale_word = (match.group("scale") or "").lower()
    if scale_word in ("k", "m", "b") and not currency:
        return None
    scale = _EN_SCALES.get(scale_word, 1.0)
    vague = False
    kanji_only = False
    if match.group("ja"):
        text = match.group("ja").rstrip(",")
        vague = "数" in text
        low = _parse_ja_number(text, 2)
        high = _parse_ja_number(text, 9)
        if low is None or high is None:
            return None
        if vague:
            high *= 1.1  # 数十 → up to 99, not 90
        kanji_only = not any(c.isdigit() for c in text)
        big = any(c in _KANJI_BIG for c in text)
    elif match.group("vague"):
        low, high = _EN_VAGUE_WORDS[match.group("vague").lower()]
        vague = True
        big = False
        if not scale_word:
            return None
    else:
        word = match.group("word").lower()
        if word in _EN_SCALE_ONLY_WORDS:
            if not scale_word or scale_word in ("k", "m", "b"):
                return None
            low = high = _EN_SCALE_ONLY_WORDS[word]
        elif "-" in word:
            tens, ones = word.split("-")
            low = high = _EN_WORDS[tens] + ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"].index(ones) + 1
        else:
            low = high = _EN_WORDS[word]
        big = False
    low, high = low * scale, high * scale
    value = (low + high) / 2 if vague else low
    return _Raw(value, low, high, currency, match.start(), match.end(), vague, big or scale > 1,
                scale, kanji_only, vague)


def _attach_unit(norm: str, raw: _Raw) -> _Raw | None:
    """Read the unit after the number (and 年 → year-date for calendar years); None drops the number."""
    rest = norm[raw.end:]
    if raw.unit is None:
        ja = re.match(rf"(?:{_JA_UNIT_RE})", rest)
        en = re.match(rf"\s?(?:{_EN_UNIT_RE})\b", rest, re.IGNORECASE)
        if ja:
            unit, mult = _JA_UNITS[ja.group(0)]
            raw.end += ja.end()
            if unit == "年" and _looks_like_calendar_year(raw, rest):
                unit = "year-date"
            if unit == "year-date":
                raw.value = raw.low = raw.high = raw.value  # 2026年度 stays 2026
            else:
                raw.value, raw.low, raw.high = raw.value * mult, raw.low * mult, raw.high * mult
            raw.unit = unit
        elif en:
            raw.unit = _EN_UNITS[en.group(0).strip().lower()]
            raw.end += en.end()
        elif re.match(r"[A-Za-z]", rest) and not raw.scale > 1:
            return None  # 4o, 3rd, H100's tail: part of a name, not a number
        elif raw.value.is_integer() and 1000 <= raw.value <= 2199 and not raw.scaled and not raw.kanji_only:
            raw.unit = "year-date"
    if raw.kanji_only and not _kanji_number_stands_alone(norm[raw.start:raw.end], raw.unit):
        return None
    return raw


def _kanji_number_stands_alone(text: str, unit: str | None) -> bool:
    """A kanji-only number counts before a clear counter, or when it is long and has a multiplier (二千五百)."""
    if unit is not None:
        return unit in _KANJI_ONLY_OK_UNITS
    return len(text) > 1 and any(c in "十百千万億兆" for c in text)


def _looks_like_calendar_year(raw: _Raw, rest: str) -> bool:
    return raw.value.is_integer() and 1000 <= raw.value <= 2199 and not raw.scaled and not rest.startswith("年間")


def _mark_approximation(norm: str, raw: _Raw) -> None:
    before = norm[max(0, raw.start - 20):raw.start]
    if _APPROX_BEFORE_JA.search(before) or _APPROX_BEFORE_EN.search(before):
        raw.approximate = True
    after = _APPROX_AFTER.match(norm, raw.end)
    if after:
        raw.approximate = True
        raw.end = after.end()


# ---------------------------------------------------------------------------------------------
# Dates first, so 2025-12-26 is not read as a range and 12月20日 not as 12 months.

def _find_dates(norm: str) -> list[_Raw]:
    dates: list[_Raw] = []
    taken: list[tuple[int, int]] = []
    for pattern, kind in _DATE_PATTERNS:
        for m in pattern.finditer(norm):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            if kind == "ja" and m.start() > 0 and norm[m.start() - 1].isdigit():
                continue
            year = _date_year(m)
            if kind == "era":
                dates.append(_Raw(float(year), year, year, "year-date", m.start(), m.end(), False, False, 1, False, False))
            else:
                month = _MONTHS[m.group("mn").lower()[:3]] if m.groupdict().get("mn") else int(m.group("m"))
                day = int(m.group("d")) if m.groupdict().get("d") else 0
                value = float(year * 10000 + month * 100 + day)
                dates.append(_Raw(value, value, value, "date", m.start(), m.end(), False, False, 1, False, False))
            taken.append((m.start(), m.end()))
    return dates


def _date_year(m: re.Match) -> int:
    groups = m.groupdict()
    if groups.get("era"):
        era_year = 1 if groups["ey"] == "元" else int(groups["ey"])
        return _ERAS[groups["era"]] + era_year
    return int(groups["y"]) if groups.get("y") else 0


# ---------------------------------------------------------------------------------------------
# Ranges: 3〜5年, 10-20%, 1〜2億円, 10 to 20 percent.

def _merge_ranges(norm: str, raws: list[_Raw]) -> list[_Raw]:
    merged: list[_Raw] = []
    i = 0
    while i < len(raws):
        first = raws[i]
        if i + 1 < len(raws) and first.unit not in DATE_UNITS | {"date"}:
            second = raws[i + 1]
            sep = _RANGE_SEP.fullmatch(norm, first.end, second.start)
            if sep and second.unit not in ("date",) and _range_units_fit(first, second):
                merged.append(_join_range(first, second))
                i += 2
                continue
        merged.append(first)
        i += 1
    return merged


def _range_units_fit(first: _Raw, second: _Raw) -> bool:
    if first.unit is None or second.unit is None or first.unit == second.unit:
        return True
    return False


def _join_range(first: _Raw, second: _Raw) -> _Raw:
    low, high = first.low, first.high
    if not first.scaled and second.scaled and second.scale > 1:
        low, high = low * second.scale, high * second.scale  # 1〜2億円: the 1 is 1億
    unit = second.unit or first.unit
    if unit == "year-date" and first.unit is None:
        low, high = first.low, first.high
    low, high = min(low, second.low), max(high, second.high)
    return _Raw((low + high) / 2, low, high, unit, first.start, second.end,
                first.approximate or second.approximate, second.scaled, second.scale, False, False)


def _scale_of(text: str) -> float:
    for char, mult in (("兆", 1e12), ("億", 1e8), ("万", 1e4)):
        if text.endswith(char):
            return mult
    return 1.0


# ---------------------------------------------------------------------------------------------

def find_quantities(text: str) -> list[Quantity]:
    """Every number in `text` with a normalised value and unit, in reading order."""
    norm, origin = _normalise_with_map(text)
    raws = _find_dates(norm)
    date_spans = [(r.start, r.end) for r in raws]
    for match in _NUMBER_RE.finditer(norm):
        if any(s < match.end() and match.start() < e for s, e in date_spans):
            continue
        raw = _scan_number(norm, match)
        if raw is None:
            continue
        if match.group("ja"):
            raw.scale = max(raw.scale, _scale_of(match.group("ja")))
        raw = _attach_unit(norm, raw)
        if raw is None:
            continue
        raws.append(raw)
    raws.sort(key=lambda r: r.start)
    raws = _merge_ranges(norm, raws)
    quantities = []
    for raw in raws:
        _mark_approximation(norm, raw)
        start, end = origin[raw.start], origin[raw.end]
        quantities.append(Quantity(
            value=raw.value, unit=raw.unit, text=text[start:end], start=start, end=end,
            approximate=raw.approximate or raw.vague, low=raw.low, high=raw.high,
        ))
    return quantities


# ---------------------------------------------------------------------------------------------
# Comparing quantities.

def units_comparable(a: Quantity, b: Quantity) -> bool:
    """Whether two quantities measure the same kind of thing (a bare number fits any amount, not a date)."""
    if a.unit in DATE_UNITS or b.unit in DATE_UNITS:
        return a.unit in DATE_UNITS and b.unit in DATE_UNITS
    return a.unit is None or b.unit is None or a.unit == b.unit


def quantities_agree(a: Quantity, b: Quantity, tolerance: float = 0.005) -> bool:
    """Whether `b` states the same amount as `a`: same value, overlapping ranges, or close when either is approximate."""
    if not units_comparable(a, b):
        return False
    if a.unit in DATE_UNITS or b.unit in DATE_UNITS:
        return _dates_agree(a, b)
    slack = 0.1 if (a.approximate or b.approximate) else tolerance
    a_low, a_high = a.low * (1 - slack), a.high * (1 + slack)
    return a_low <= b.high * (1 + slack) and b.low * (1 - slack) <= a_high


def _dates_agree(a: Quantity, b: Quantity) -> bool:
    parts_a, parts_b = _date_parts(a), _date_parts(b)
    shared = [(x, y) for x, y in zip(parts_a, parts_b) if x and y]
    return bool(shared) and all(x == y for x, y in shared)


def _date_parts(q: Quantity) -> tuple[int, int, int]:
    if q.unit == "year-date":
        return int(q.value), 0, 0
    v = int(q.value)
    return v // 10000, (v // 100) % 100, v % 100
