"""Split prose blocks into sentences (Japanese and English) and mark the check-worthy factual claims among them."""

from __future__ import annotations

import json
import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from importlib import resources
from itertools import islice
from typing import NamedTuple

from refcheck.models import Claim, ProseBlock

# --------------------------------------------------------------------------------------------------------------
# Sentence splitting
# --------------------------------------------------------------------------------------------------------------

# Full-width terminators always end a sentence (outside brackets); ASCII ones only before a space or the end,
# so URLs (?q=), decimals (2.5) and versions (1.2.3) stay whole.
_WIDE_TERMINATORS = "。！？"
_ASCII_TERMINATORS = ".!?"
_BRACKETS = {"「": "」", "『": "』", "（": "）", "(": ")", "【": "】", "［": "］", "〈": "〉", "《": "》", "“": "”"}
_CLOSERS_AFTER_STOP = "\"')”’）」』】"
# Abbreviations whose period does not end an English sentence (compared lower-case, without the final dot).
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st sr jr gen sen rep gov lt col capt sgt rev hon fig figs vol vols no nos pp p ch sec art "
    "e.g i.e cf vs approx ca al u.s u.k u.n e.u u.s.a a.m p.m inc corp co ltd dept est jan feb mar apr jun jul aug "
    "sep sept oct nov dec".split()
)
# `[3]`, `[1][2]`, Markdown `[^1]`: citation markers as the readers leave them in prose.
_MARKER = r"\[\^?[0-9A-Za-z_-]{1,20}\]"
_MARKERS = re.compile(_MARKER)
_TRAILING_MARKERS = re.compile(rf"(?:[ \t]*{_MARKER})+")
# A short source label + markers ending the line, as in `…進めています。Impress Watch[3]`: a citation, not a sentence.
_CITATION_LABEL = re.compile(rf"[ \t]*[^\n。．！？!?]{{1,40}}?(?:{_MARKER})+[ \t]*(?:edit)?[ \t]*(?=\n|$)")
_LIST_ITEM_START = re.compile(r"[ \t]*(?:[-*+•・●○■□◆◇▶▪→※]|\d{1,3}[.)．）]|[(（]\d{1,3}[)）])[ \t]")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_LABEL_MAX = 40  # characters: longer trailing fragments are prose, not a site name


class _Sentence(NamedTuple):
    start: int
    end: int  # includes the trailing citation (markers, a source label) that belongs to the sentence
    body_end: int  # where the sentence's own words end, before that citation


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences in `text`, whitespace trimmed; trailing citation markers included."""
    return [(sentence.start, sentence.end) for sentence in _split(text, ())]


def _split(text: str, citation_offsets: Iterable[int]) -> list[_Sentence]:
    sentences: list[_Sentence] = []
    for line_start, line_end in _logical_lines(text):
        sentences.extend(_split_line(text, line_start, line_end))
    return _merge_citation_labels(text, sentences, sorted(citation_offsets))


def _logical_lines(text: str) -> list[tuple[int, int]]:
    """Join wrapped lines; keep a line break only where it looks like list or line structure."""
    lines, start = [], 0
    for match in _NEWLINE.finditer(text):
        lines.append((start, match.start()))
        start = match.end()
    lines.append((start, len(text)))
    pieces, piece_start = [], lines[0][0]
    for (start, end), (next_start, next_end) in zip(lines, lines[1:]):
        if _is_structural_break(text[start:end], text[next_start:next_end]):
            pieces.append((piece_start, end))
            piece_start = next_start
    pieces.append((piece_start, len(text)))
    return [piece for piece in pieces if not _BLANK.fullmatch(text, piece[0], piece[1])]


_NEWLINE = re.compile(r"\n")
_BLANK = re.compile(r"\s*")  # `\s` is exactly str.isspace(), so this is `not text[a:b].strip()` without the copy
_STRUCTURAL_END = _WIDE_TERMINATORS + _ASCII_TERMINATORS + "．:：]" + _CLOSERS_AFTER_STOP


def _is_structural_break(line: str, next_line: str) -> bool:
    before, after = line.rstrip(), next_line.strip()
    if not before or not after or _LIST_ITEM_START.match(next_line):
        return True
    if before[-1] in _STRUCTURAL_END:
        return True
    # A wrapped English line continues in lower case or after a comma; a short line without a stop is a heading.
    if after[0].islower() or before[-1] in ",、，;；":
        return False
    return len(before) < 40


_BRACKET_CHARS = re.compile("[" + re.escape("".join(_BRACKETS) + "".join(_BRACKETS.values())) + "]")
_CLOSERS = frozenset(_BRACKETS.values())
# Every character at which _ends_sentence can say yes; the splitter looks only at these.
_STOP_CANDIDATES = re.compile("[" + re.escape(_WIDE_TERMINATORS + "．" + _ASCII_TERMINATORS) + "]")
_NON_SPACE = re.compile(r"\S")  # `\S` is exactly `not str.isspace()` (checked for every code point in the tests)


def _protected(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of brackets and quotes that close within the line: a stop inside them does not end the sentence."""
    stack: list[tuple[str, int]] = []
    spans = []
    for match in _BRACKET_CHARS.finditer(text, start, end):  # other characters cannot change the stack
        char, index = match.group(), match.start()
        if char in _BRACKETS:
            stack.append((_BRACKETS[char], index))
        elif stack and char in _CLOSERS:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == char:
                    spans.append((stack[depth][1], index))
                    del stack[depth:]
                    break
    return spans


class _Interiors:
    """The positions strictly inside protected spans, as sorted disjoint intervals (the spans nest, never cross)."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.starts: list[int] = []
        self.ends: list[int] = []
        for open_at, close_at in sorted(spans):
            if close_at - open_at < 2:
                continue  # `()`: nothing inside
            if self.ends and open_at + 1 < self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], close_at)
            else:
                self.starts.append(open_at + 1)
                self.ends.append(close_at)

    def __contains__(self, index: int) -> bool:
        position = bisect_right(self.starts, index) - 1
        return position >= 0 and index < self.ends[position]


def _split_line(text: str, start: int, end: int) -> list[_Sentence]:
    bullet = _LIST_ITEM_START.match(text, start, end)
    if bullet:
        start = bullet.end()  # the list marker is layout, not part of the first sentence
    protected = _protected(text, start, end)
    inside = _Interiors(protected)
    opens = {open_at for open_at, _ in protected}
    # English only: `He said “No.” Then…`; a Japanese 「…。」 or （…。） stays inside its sentence.
    closes_after_stop = {close for _, close in protected if text[close] in ")”" and text[close - 1] in ".!?"}
    candidates = [match.start() for match in _STOP_CANDIDATES.finditer(text, start, end)]
    if closes_after_stop:
        candidates = sorted(candidates + list(closes_after_stop))
    sentences, sentence_start, resume_at = [], start, start
    for index in candidates:
        if index < resume_at:
            continue  # inside a sentence already closed (its stop, closers or citation)
        if index in closes_after_stop:
            if not (text[index + 1:index + 2].isspace() and _next_starts_sentence(text, index + 1, end, strict=True)):
                continue
        elif index in inside or not _ends_sentence(text, index, end):
            continue
        stop = index + 1
        while stop < end and text[stop] in _CLOSERS_AFTER_STOP and stop not in opens and stop not in inside:
            stop += 1
        with_citation = _absorb_trailing_citation(text, stop, end)
        sentences.append(_Sentence(sentence_start, with_citation, stop))
        sentence_start = resume_at = with_citation
    sentences.append(_Sentence(sentence_start, end, end))
    if _SPACE_AFTER_PREDICATE_HINT.search(text, start, end):
        sentences = [part for sentence in sentences for part in _split_at_lost_stops(text, sentence)]
    return [trimmed for trimmed in map(lambda sentence: _trim(text, sentence), sentences) if trimmed]


# An export that drops bold type joins a lead phrase to its paragraph: 「…存在感を持っている 単にAIを…」. In Japanese a
# space right after a finished predicate (…ている, …である, …ます, …がある) and before a new clause ends a sentence that
# lost its 。. A space after a particle (「…1兆円は 設備投資補助」) or a comma does not.
_SPACE_AFTER_PREDICATE_HINT = re.compile(r"[るたいだす][ \t\u3000]")
_LOST_STOP = re.compile(
    r"(?<=[\u3040-\u30ff\u4e00-\u9fff]{6})(?:ている|ていた|である|であった|がある|がない|ます|ました|です|でした|した|された|"
    r"できる|なる|なった|ない)[ \t\u3000]+(?=[\u30a0-\u30ff\u4e00-\u9fffA-Za-z「『][^\n]{6})"
)


def _split_at_lost_stops(text: str, sentence: _Sentence) -> list[_Sentence]:
    parts, start = [], sentence.start
    for match in _LOST_STOP.finditer(text, sentence.start, sentence.body_end):
        stop = match.end() - len(match.group()) + len(match.group().rstrip())
        parts.append(_Sentence(start, stop, stop))
        start = match.end()
    if not parts:
        return [sentence]
    parts.append(_Sentence(start, sentence.end, sentence.body_end))
    return parts


_AFTER_STOP = _ASCII_TERMINATORS + _CLOSERS_AFTER_STOP


def _ends_sentence(text: str, index: int, end: int) -> bool:
    char = text[index]
    if char in _WIDE_TERMINATORS:
        return True
    if char == "．":  # full-width period: a stop, unless between digits (１．５)
        return not (index + 1 < end and text[index + 1].isdigit() and index > 0 and text[index - 1].isdigit())
    if char not in _ASCII_TERMINATORS:
        return False
    if index + 1 < end and text[index + 1] in _AFTER_STOP:
        return False  # `?!`, `..."`: let the last one decide
    if char == "." and _is_abbreviation(text, index):
        return False
    return _next_starts_sentence(text, index + 1, end, strict=char == ".")


def _next_starts_sentence(text: str, index: int, end: int, *, strict: bool) -> bool:
    """After an ASCII stop: a space (or a marker, or Japanese) must follow; with `.`, then no lower-case word."""
    if index >= end:
        return True
    marker = _TRAILING_MARKERS.match(text, index, end)
    if marker and marker.end() > index:
        index = marker.end()
        if index >= end:
            return True
    if text[index] > "\u2e7f":  # CJK right after the stop: `…in 2020.次に`
        return True
    if not text[index].isspace():
        return False
    # The first non-space character of the rest (searched, not copied: a long line has many stops).
    first = _NON_SPACE.search(text, index, end)
    return first is not None and (not strict or not first.group().islower())


_NUMBER_FOLLOWS = re.compile(r"\s*\d")


def _is_abbreviation(text: str, index: int) -> bool:
    word = _WORD_BEFORE.search(text, max(0, index - 12), index)
    if not word:
        return False
    token = word.group(1).lower()
    if token in _ABBREVIATIONS:
        # `No.`/`p.` abbreviate only before a number; `... said no. Then` ends a sentence.
        return token not in {"no", "nos", "p", "pp"} or _NUMBER_FOLLOWS.match(text[index + 1:index + 4]) is not None
    return len(token) == 1 and token.isalpha() and word.group(1).isupper()  # an initial: `J. Smith`


def _absorb_trailing_citation(text: str, stop: int, end: int) -> int:
    marker = _TRAILING_MARKERS.match(text, stop, end)
    if marker and marker.end() > stop:
        stop = marker.end()
    label = _CITATION_LABEL.match(text, stop, end)
    if label and _looks_like_source_label(label.group()):
        return label.end()
    return stop


_LABEL_SMALL_WORDS = frozenset("of the and formerly on in at for de news".split())
_HIRAGANA = re.compile(r"[\u3040-\u309f]")
_LATIN_WORDS = re.compile(r"[A-Za-z]+")


def _looks_like_source_label(candidate: str) -> bool:
    """A site or publisher name (`Impress Watch`, `デジタル庁`, `X (formerly Twitter)`), not a trailing clause.

    Japanese clauses carry hiragana and English ones lower-case words; names rarely do either.
    """
    name = _MARKERS.sub("", candidate).replace(" edit", "").strip()
    if not name or _HIRAGANA.search(name):
        return False
    words = _LATIN_WORDS.findall(name)
    return len(words) <= 6 and all(word[0].isupper() or word.lower() in _LABEL_SMALL_WORDS for word in words)


def _trim(text: str, sentence: _Sentence) -> _Sentence | None:
    start, end, body_end = sentence
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    body_end = min(body_end, end)
    while body_end > start and text[body_end - 1].isspace():
        body_end -= 1
    return _Sentence(start, end, body_end) if start < end else None


def _merge_citation_labels(text: str, sentences: list[_Sentence], citations: list[int]) -> list[_Sentence]:
    """A short unterminated fragment holding a citation, right after a sentence on its line, is that sentence's label.

    Readers that take `[N]` out of the text leave `…進めています。Impress Watch` with the citation's offset in the
    fragment; the fragment is the source's name, not a sentence of its own.
    """
    merged: list[_Sentence] = []
    for sentence in sentences:
        # Cheap tests first; the fragment is copied only when it is short enough to be a label.
        if (
            merged
            and sentence.end - sentence.start <= _LABEL_MAX
            and text[sentence.end - 1] not in _LABEL_CANNOT_END
            and "\n" not in text[merged[-1].end:sentence.start]
            and _holds_citation(citations, sentence.start, sentence.end)
            and _looks_like_source_label(text[sentence.start:sentence.end])
        ):
            merged[-1] = merged[-1]._replace(end=sentence.end)
        else:
            merged.append(sentence)
    return merged


_LABEL_CANNOT_END = _WIDE_TERMINATORS + _ASCII_TERMINATORS + "．"


def _holds_citation(citations: list[int], start: int, end: int) -> bool:
    position = bisect_right(citations, start - 1)
    return position < len(citations) and citations[position] <= end


# --------------------------------------------------------------------------------------------------------------
# Check-worthiness: a weighted feature rule (Japanese) and a learned model over the same features and words (English)
# --------------------------------------------------------------------------------------------------------------

# The rule decides for Japanese sentences; English sentences are decided by _EnglishModel (below), which weighs the
# same features (its own learned weights) plus the sentence's words. The rule's features give the reasons in both.
# Each feature adds its weight when it matches (once, however often); a sentence is check-worthy when BIAS plus the
# weights reaches 0. The weights are a class-balanced logistic regression over these binary features, fitted by
# bench/tune_claims.py on ClaimBuster train and the dev half of tests/fixtures/claims/checkworthy.jsonl only (never a
# test split), rounded to 0.25; `short` and `chat` have no signal in ClaimBuster and were set by hand on the dev half. BIAS is the
# highest value at which ClaimBuster-train recall reaches 0.70 (the recall aim). Issue 16 set `modal`,
# `fragment` and the heavier `question` by hand on the dev part of tests/fixtures/claims/chat_checkworthy.jsonl (chat
# answers), checking ClaimBuster train and Citation Needed's dev half for their cost. Figures: docs/benchmarks.md.
BIAS = -1.75
WEIGHTS: dict[str, float] = {
    # evidence that a sentence states a checkable fact
    "amount": 2.5,  # a number with a unit: 1兆円, 数十億ドル, 100人, 30%, $4 billion
    "number": 1.5,  # any other numeral
    "date": 0.75,  # a year, a date, 昨年, last year
    "name": 1.0,  # an organisation, product or person: OpenAI, デジタル庁, 「源内」, Pew Research Center
    "verb": 1.25,  # a reporting or event verb: 発表, 表明, 報じ, announced, according to, plans to
    "past": 1.25,  # English past tense or a Japanese completed action (した, だった)
    "change": 0.75,  # a measured change or comparison: increased, more than, the largest, 増加, 過去最
    # evidence that it is not a claim
    "opinion": -1.0,  # べき, と思う, should, must, I think
    "hedge": -0.5,  # かもしれない, と言える, 可能性がある, arguably, might
    "evaluation": -0.75,  # 妥当, 的確, 合理的, a great question, you're right
    "question": -3.0,  # a question asserts nothing (-1.5 before the chat set: 「政府は本当に1兆円も出すのですか？」)
    "discourse": -0.25,  # 結論として, まず, 次に, はい。, in short, well
    "chat": -2.5,  # the assistant about the conversation: 必要なら…できます, let me know, here is (hand-set, dev half)
    "second_person": -0.25,  # あなた, your argument
    "future": -0.5,  # a promise or prediction rather than a record: will, going to, つもり
    "first_person": -1.0,  # the speaker's own views and experiences: I, my, 私
    "short": -2.0,  # fewer than four words / eight characters
    # Japanese sentence structure (set by hand on the dev part of tests/fixtures/claims/chat_checkworthy.jsonl)
    "modal": -2.5,  # the sentence's own predicate is a prediction, guess, opinion, duty or advice: 〜そうだ, 〜だろう, 〜べきだ
    "fragment": -2.5,  # no predicate to check: a heading, a list item's noun phrase, 「…を看板に掲げつつ」 (not a figure)
}


def _one_of(alternatives: str, *, ignore_case: bool = False) -> str:
    """The regex `(?:alternatives)`, rewritten so the engine tries one group per position instead of every word.

    Alternatives that start with the same plain character share a group (`発表|表明|発売` → `発(?:表|売)|表明`),
    which keeps their order; the order changes only between alternatives whose first characters differ, and those
    never match at the same place, so the rewritten regex finds exactly the same matches. An alternative that starts
    with anything else (an escape, a group, a class, an optional character) stays where it is, and no alternative
    moves across it.
    """
    runs: list[list[str] | dict[str, list[str]]] = []  # kept alternatives ([text]) between runs of groups
    for alternative in _split_alternatives(alternatives):
        first, second = alternative[:1], alternative[1:2]
        plain = bool(first) and first not in "\\()[].^$|?*+{" and second not in ("?", "*", "+", "{")
        if plain and ignore_case and not first.isascii() and first.lower() != first.upper():
            plain = False  # a cased non-ASCII letter may fold onto another letter (ſ and s): keep it in place
        if not plain:
            runs.append([alternative])
            continue
        if not runs or isinstance(runs[-1], list):
            runs.append({})
        # Under IGNORECASE `A` and `a` match the same characters, so they share a group.
        runs[-1].setdefault(first.lower() if ignore_case else first, []).append(alternative[1:])
    parts = []
    for run in runs:
        if isinstance(run, list):
            parts.extend(run)
            continue
        for first, rests in run.items():
            parts.append(re.escape(first) + (rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")"))
    grouped = "(?:" + "|".join(parts) + ")"
    if ignore_case and len(runs) == 1 and isinstance(runs[0], dict):
        # Under IGNORECASE the engine has no first-character scan of its own; when every alternative starts with a
        # plain character, a one-class lookahead turns away all other positions before any group is tried.
        return "(?=[" + "".join(re.escape(first) for first in runs[0]) + "])" + grouped
    return grouped


def _split_alternatives(pattern: str) -> list[str]:
    """`pattern` split at its top-level `|` (not inside groups, classes or after a backslash)."""
    parts, current, depth, in_class, index = [], [], 0, False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            current.append(pattern[index:index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            index += 1
            continue
        current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _bilingual(japanese_words: str, english_words: str) -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """The IGNORECASE regex `japanese words|\\b(?:english words)\\b`, and its two halves: it matches when one does.

    Japanese has no case, so its half needs no IGNORECASE, and without it the engine finds candidate positions by
    scanning for the words' first characters in C; the halves test a feature's presence faster than the whole.
    """
    if any(char.lower() != char.upper() for char in japanese_words):
        raise ValueError(f"cased letters in the Japanese half: {japanese_words!r}")
    english = r"\b" + _one_of(english_words, ignore_case=True) + r"\b"
    whole = re.compile(_one_of(japanese_words, ignore_case=True) + "|" + english, re.IGNORECASE)
    return whole, (re.compile(_one_of(japanese_words)), re.compile(english, re.IGNORECASE))


_JA = r"[\u3040-\u30ff\u3400-\u9fff]"
_DIGITS = r"[0-9０-９][0-9０-９,，.．]*"
_KANJI_AMOUNT = r"[0-9０-９,，.．一二三四五六七八九十百千万億兆数約]*[0-9０-９一二三四五六七八九十百千数]"
_JA_UNITS = (
    r"(?:兆|億|万|千)?(?:円|ドル|ユーロ|元|ウォン)|兆|億|万人|人|名|社|件|回|倍|%|％|パーセント|割|歳|年間|年|か月|ヶ月|カ月|ヵ月|"
    r"週間|日間|時間|分間|秒|台|基|店|校|機|本|個|票|議席|位|世帯|トン|キロ|km|kg|GB|TB|MW|GW|ポイント|ぶり|連続"
)
# Every alternative of _AMOUNT starts with a currency sign, a digit, a spelled number's first letter or a character
# of _KANJI_AMOUNT; the lookahead turns away every other position before the alternatives are tried.
_AMOUNT_FIRST_CHARACTERS = "[$¥€£0-9０-９,，.．一二三四五六七八九十百千万億兆数約otfsenhmb]"
_AMOUNT = re.compile(
    rf"(?={_AMOUNT_FIRST_CHARACTERS})(?:[$¥€£]\s?{_DIGITS}(?:\s?(?:million|billion|trillion|thousand|[mbkMBK]n?)\b)?"
    rf"|\b{_DIGITS}\s?(?:%|percent\b|per cent\b|million\b|billion\b|trillion\b|thousand\b|hundred\b|yen\b|dollars?\b|"
    r"euros?\b|people\b|jobs\b|votes?\b|years?\b|months?\b|days?\b|times\b|members\b|companies\b|countries\b|"
    r"vehicles\b|units\b|meters\b|km\b|miles\b|tons?\b|points?\b)"
    r"|\b"
    + _one_of(
        "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
        "sixty|seventy|eighty|ninety|hundred|hundreds|thousands|millions|billions|tens",
        ignore_case=True,
    )
    + r"(?:\s+of)?\s+"
    r"(?:percent|million|billion|trillion|thousand|dollars|jobs|people|votes|years|times)\b"
    rf"|{_KANJI_AMOUNT}\s?(?:{_JA_UNITS}))",
    re.IGNORECASE,
)
_NUMBER = re.compile(rf"(?<![A-Za-z]){_DIGITS}")
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE_SOURCE = (
    rf"\b(?:1[6-9]\d\d|20\d\d)s?\b|\b{_MONTHS}\s+\d{{1,2}}\b|\b{_MONTHS}\s+(?:of\s+)?\d{{4}}\b|"
    r"\b(?:last|next|this) (?:year|month|week|decade|century)\b|\byesterday\b|\b\d{1,2}(?:st|nd|rd|th) century\b|"
    r"[0-9０-９]{2,4}年(?:度|代)?|[0-9０-９]{1,2}月[0-9０-９]{1,2}日|[0-9０-９]{1,2}[月日](?!間)|(?:令和|平成|昭和)[元0-9０-９一二三四五六七八九十]+年|"
    r"昨年|一昨年|今年|来年|昨年度|今年度|来年度|先月|先週|前年|同年|発足時|開幕"
)
# Every alternative's first character is one of these (digits, month initials, last/next/this, yesterday, 令平昭, the
# first characters of the Japanese words): the lookahead rejects every other position at once and matches nothing.
_DATE_FIRST_CHARACTERS = r"[\dJFMASONDlnty令平昭昨一今来先前同発開]"
_DATE = re.compile(rf"(?={_DATE_FIRST_CHARACTERS}){_one_of(_DATE_SOURCE)}")
_ORG_SUFFIXES = (
    "庁|省|府|本部|委員会|内閣|国会|議会|銀行|大学|研究所|研究機構|機構|協会|"
    "株式会社|グループ|新聞|通信|放送|首相|大臣|知事|市長|大統領|"
    "社長|会長|長官|議長|委員長|農相|外相|財務相|経産相|厚労相|文科相|防衛相|教授|選手|監督"
)
_ORG_JA = re.compile(
    r"(?<![\u30a0-\u30ff\u4e00-\u9fff])(?![年月日他各同以全])[\u30a0-\u30ff\u4e00-\u9fffA-Za-z]{1,12}"
    + _one_of(_ORG_SUFFIXES)
    + r"|株式会社[\u30a0-\u30ffA-Za-z]+|「[^「」\u3040-\u309f]{1,15}」"
)
# Every _ORG_JA match holds a suffix, 株式会社 or 「: a sentence with none of them has no match, found in one fast scan.
_ORG_JA_HINT = re.compile(_one_of(_ORG_SUFFIXES + "|株式会社|「"))
_LATIN_NAME_IN_JA = re.compile(r"(?<![A-Za-z])[A-Z][A-Za-z0-9]*(?:[ -][A-Z][A-Za-z0-9]*)*")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&]{1,6}s?\b")
_CAPITALISED = re.compile(r"(?<=[\w,;:)] )(?:[A-Z][a-z]*[A-Z]\w*|[A-Z][a-z]+\b)(?:\s+(?:of\s+|the\s+|and\s+)?[A-Z]\w+)*")
_ORG_EN = re.compile(
    r"\b(?:Inc|Corp|Corporation|Company|Group|Agency|Ministry|Department|Bureau|Commission|Committee|Council|"
    r"Congress|Senate|House|Parliament|Court|Bank|University|Institute|Administration|Party|Government)\b"
)
_NOT_NAMES = frozenset(
    "I I'm I've I'd I'll OK Okay Yes No Well So And But The A An It This That These Those We You He She They What Why "
    "How When Where Mr Mrs Ms Dr Let Here There Thanks Thank Sure Also However If In On At For Of To My Our Your".split()
)
# Reporting and event words count as they stand; activity nouns (開発, 推進, 導入…) only in verbal use (導入した,
# 推進しています), because as plain nouns they fill opinions too (「開発を中核に据えるべきだ」).
_VERB_JA_WORDS = (
    "発表|表明|報じ|報道|公表|決定|決め|策定|開始|設立|開設|締結|提携|買収|合意|可決|成立|施行|"
    "明らかに|示した|述べた|語った|語っている|説明した|話した|強調した|指摘した|批判した|によると|によれば|調査|統計|"
    "発売|公開|計上|確保|記録|過去最|閣議|承認|認可|署名|"
    "売却|取得|受注|契約|稼働|選ばれ|挙が|名前が|目指す|掲げ|打ち出|"
    # a plan or a schedule as a fact (〜する計画だ, 〜を予定している); 「…という計画。」 and 「…の計画は」 are not
    "(?<!という)計画(?=し|され|を|が|だ|で)|予定(?=し|され|を|だ|で)"
)
_VERB_JA_ACTIVITIES = (
    "開発|推進|導入|投資|出資|支援|採用|実施|運用|展開|構築|増加|減少|上昇|下落|提供|整備|設置|発足|参入|撤退|進め|増え|減っ|達|"
    "禁止|解禁|義務化|無償化|廃止|延期|中止|改正|改定|引き上げ|引き下げ|値上げ|値下げ|占め|開業|創業|就任|死去|受賞|放出"
)
_VERB_JA_VERBAL = "(?:し|され|する|して|しており|している|を開始|を進め|を決め|た|ている|ており|ました|てい|てお|める)"
# `(?:開発|…|達)(?:し|…)` written out as `開発(?:し|…)|…|達(?:し|…)` (the same alternatives in the same order), so
# that every alternative starts with a plain character and _one_of can group them all.
_VERB_JA = re.compile(
    _one_of(_VERB_JA_WORDS + "|" + "|".join(noun + _VERB_JA_VERBAL for noun in _VERB_JA_ACTIVITIES.split("|")))
)
_VERB_EN = re.compile(
    r"\b"
    + _one_of(
    r"announc\w*|report\w*|according to|plans? to|planned|said|says|stated|declared|confirmed|revealed|"
    r"published|released|launched|signed|passed|voted|approved|vetoed|enacted|introduced|proposed|established|"
    r"founded|acquired|invested|allocated|spent|spends|cut|cuts|raised|increased|decreased|declined|rose|fell|"
    r"doubled|tripled|grew|dropped|lost|gained|created|employs|employed|sold|delivered|valued|estimated|found|"
    r"survey\w*|study|studies|data|statistics|percent|budget|deficit|taxes|unemployment|closed|opened|won|"
    r"elected|appointed|blocked|banned|sued|fined|supported|opposed|authored|sponsored",
        ignore_case=True,
    )
    + r"\b",
    re.IGNORECASE,
)
_SPELLED_NUMBER = re.compile(
    r"\b"
    + _one_of(
        "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|"
        "seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half",
        ignore_case=True,
    )
    + r"\b",
    re.IGNORECASE,
)
_CHANGE, _CHANGE_HALVES = _bilingual(
    "過去最|最大|最多|最少|最低|最高|増加|減少|増え|減っ|上昇|下落|上回|下回|倍増|半減|前年比|連続|初めて|初の|史上初",
    r"more than|less than|fewer than|over|under|up|down|increas\w*|decreas\w*|doubl\w*|tripl\w*|"
    r"rais\w*|cut|cuts|lower\w*|higher|highest|lowest|largest|biggest|smallest|record|since|rate|rates|"
    r"times as|grew|grown|fell|fallen|rose|risen|went up|gone up|went down|gone down|first time|for the first time",
)
_FUTURE, _FUTURE_HALVES = _bilingual("つもり|予想され", "will|won't|would|going to|gonna|'ll")
_NOT_PAST = (
    "(?!"
    + _one_of("united|hundred|need|indeed|speed|exceed|proceed|succeed|seed|feed|bed|red|shed", ignore_case=True)
    + r"\b)"
)
_PAST_EN = re.compile(
    r"\b"
    + _NOT_PAST
    + _one_of(
        r"was|were|had|did|has been|have been|\w{3,}ed|"
        r"(?:has|have|hasn't|haven't)(?: not| never| already)? \w+(?:ed|en|got|ght|ne|wn)",
        ignore_case=True,
    )
    + r"\b",
    re.IGNORECASE,
)
_PAST_JA = re.compile(
    r"(?:した|された|だった|であった|となった|になった|ている|ていた|ています|ました|である|(?<=[\u3040-\u309f])た)[。．]?$"
)
_OPINION, _OPINION_HALVES = _bilingual(
    r"べき|と思|と考え|たい(?:[。．]|$)|ほしい|必要だ|必要がある|必要です|望ましい|しましょう|ください|といい[。．]?$|"
    r"なければならない|てはならない|ではないか|私は|私の",
    r"should|shouldn't|must|ought|need to|needs to|have to|has to|got to|gotta|I think|I believe|I feel|"
    r"I hope|I want|I'd like|we want|we need|we'?re going to|I'm going to|I will|I'll|we will|we'll|let's|"
    r"I recommend|I would|we can|we must|my opinion|my view|in my view|I support|I oppose|I'm for|I am for",
)
_HEDGE, _HEDGE_HALVES = _bilingual(
    "かもしれ|と言える|といえる|と言えます|といえます|可能性が(?:ある|あります|高い)|だろう|でしょう|ようだ|らしい|思われ|"
    # そうだ after a plain form (撤退するそうだ, 決まったそうだ) reports what was heard: not a hedge
    "おそらく|恐らく|見られる|考えられ|(?<![るたいだ])そうだ|(?<![るたいだ])そうです|わけではない|とも言|ともいえ",
    "may|might|could|perhaps|maybe|probably|arguably|likely|possibly|seems?|appears? to|it'?s possible",
)
_EVALUATION, _EVALUATION_HALVES = _bilingual(
    "妥当|的確|正しい|正確な|合理的|論理的|一貫して|一理|鋭い|過不足|誇張|不可避|典型|非効率|危う|危険|重要なのは|"
    "不十分|十分だ|問題は|大切|核心|本質|正解|間違|愚か|貧困|自己満足|二流|ご乱心|良い|いい(?:質問|考え)|"
    "見当違い|偏重|逸脱|ズレ|歪み|迷走|不可能|話にならない|狭い|有効|無駄|不要|必然|明確|順序が逆|害|"
    "逆の方向|逆方向|真逆|的外れ|言い過ぎ|楽観的|悲観的|極端|無理もない|無理はな|もっともな|一長一短|追い風|"
    "画期的|野心的|歴史的な|象徴|残念|素晴らし|見事|すごい|際立|大きな一歩|から外れ|(?<!た)ばかり",
    "great|good|excellent|fair|valid|right|wrong|correct|important|interesting|reasonable|balanced|"
    "ambitious|short-sighted|key question|what matters|absolutely",
)
_DISCOURSE = re.compile(
    r"^(?:はい|いいえ|ええ|なるほど|もちろん|結論として|要するに|つまり|簡潔に言えば|まとめると|整理すると|次に|"
    r"確かに|実際のところ|"
    r"ここで|さて|まず|その理解|その指摘|その認識|その主張|そのとおり|その通り|その評価|評価として|あなたの)|"
    r"^(?:yes|no|well|okay|ok|so|hello|hi|good morning|good evening|ladies and gentlemen|"
    r"in short|in summary|to sum up|in conclusion|overall|first|second|finally)\b",
    re.IGNORECASE,
)
# An assistant talking about the conversation itself: offers, thanks, sign-posts. ClaimBuster has none of these,
# so the weight of this feature was set by hand on the labelled set's dev half.
# … and its summaries of what it said (rhetoric: the facts summed up are sourced where they were first stated).
_CHAT_OPENING_JA = (
    r"^(?:ご質問|ありがとう|承知|必要なら|以下、|以下に|要するに|簡潔に言えば|簡単に言えば|まとめると|要は|総じて|個人的には|"
    r"(?:簡単に|ざっくり|一言で|端的に|結論から|正直に)(?:言うと|言えば|まとめると)|以上を(?:踏まえると|まとめると))"
)
_CHAT_WORDS_JA_LIST = (
    r"以下のような|以下に|以下の(?:とおり|通り|点|ポイント|[0-9０-９一二三四五六七八九十]+(?:つ|点))|次のとおり|次の通り|まとめます|整理します|"
    r"見ていきましょう|ご不明|お尋ね|お気軽|ありがとう|できます[。．]?$|しましょうか"
)
_CHAT_WORDS_JA = _one_of(_CHAT_WORDS_JA_LIST, ignore_case=True)
_CHAT_OPENING_EN = (
    r"^(?:sure|thanks|here is|here are|here's|let me|great question|good question|"
    # an instruction: the reader is told what to do
    r"try|use|check|make sure|click|install|consider|avoid|put|add|lower|boil|cook|pour|stir|wait|"
    r"ask|talk to|compare|double-check|look for|start with)\b"
)
_CHAT_WORDS_EN = (
    r"\b"
    + _one_of("thank you|thanks for|hope this helps|let me know|would you like|feel free|happy to help|please|"
              "if you like|if you'd like|glad it helped|i'm aware of|i can go|i can help", ignore_case=True)
    + r"\b"
)
_CHAT = re.compile(f"{_CHAT_OPENING_JA}|{_CHAT_WORDS_JA}|{_CHAT_OPENING_EN}|{_CHAT_WORDS_EN}", re.IGNORECASE)
# Whether _CHAT matches, in two searches that are each fast: the engine tries a `^`-only regex at the start alone.
_CHAT_AT_START = re.compile(f"{_CHAT_OPENING_JA}|{_CHAT_OPENING_EN}", re.IGNORECASE)
_CHAT_ANYWHERE = (
    re.compile(_one_of(_CHAT_WORDS_JA_LIST)),  # no case in Japanese: without IGNORECASE the engine scans in C
    re.compile(_CHAT_WORDS_EN, re.IGNORECASE),
)
_FIRST_PERSON = re.compile(r"私|僕|我々|\b(?:I|I'm|I've|I'd|my|me)\b")
_SECOND_PERSON, _SECOND_PERSON_HALVES = _bilingual("あなた|ご指摘", "you're|you are|your")
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s")
_ASCII_CAPITAL = re.compile(r"[A-Z]")


_JA_CHAR = re.compile(_JA)
_QUESTION_ENDING = re.compile(r"(?:ですか|ますか|でしょうか|のか)[。]?$")


# Japanese puts its modality at the end: what the sentence's own predicate does is read off its last words, so a
# guess or a duty inside a reported statement (「…すべきだ」と述べた) does not count. The sentence is looked at without
# its closing punctuation and one sentence-final particle (ね, よ, よね, な).
_JA_END_TRIM = re.compile(r"[\s。．.!！、,…]+$")
_JA_FINAL_PARTICLE = re.compile(r"(?<=[\u3040-\u309f])(?:よね|ね|よ|な|わ)$")
_MODAL_JA = re.compile(
    "(?:"
    + "|".join((
        r"(?<![るたいだ])そう(?:だ|です|である|だった|でした)?",  # 推進されそうだ (looks likely); 〜するそうだ is hearsay
        r"だろう|でしょう|でしょ|だろ|であろう|かもしれない|かもしれません|かも|"
        r"可能性が(?:ある|あります|高い|高いです)|可能性もある|可能性もあります|おそれがある|おそれがあります",
        r"べき(?:だ|です|である|ではない|ではありません)?",
        r"(?:と|とも)(?:思う|思います|思っています|思われる|思われます|考える|考えます|考えています|考えられる|考えられます|"
        r"感じる|感じます|見られる|見られます|みられる|みられます|予想される|予想されます|言える|いえる|言えます|いえます)",
        r"気がする|気がします|ように(?:思う|思います|見える|見えます)|ようだ|ようです|みたいだ|みたいです",
        r"(?:に|で)(?:過ぎない|すぎない|過ぎません|すぎません)|でしかない|でしかありません",
        r"わけだ|わけです|わけである|というわけです|ではないか|ではないでしょうか|のではないか|じゃないか|じゃないですか",
        # 〜する必要がある is left out: in answers it states a rule as often as advice (「全長3,400 mm以下…という条件を
        # 満たす必要があります」), and stays an `opinion`
        r"なければならない|なければなりません|ねばならない|なくてはならない|"
        r"欠かせない|欠かせません|求められる|求められます|急務だ|急務です|不可欠だ|不可欠です|重要だ|重要です|"
        r"大切だ|大切です|鍵だ|鍵です|課題だ|課題です|課題となる",
        r"ましょう|ください|下さい|しよう|(?:ほう|方)が(?:いい|よい|良い)|とよい|といい|のが(?:よい|良い|いい|無難)(?:だ|です)?|"
        r"無難だ|無難です|おすすめします|お勧めします|おすすめです|一つの手だ|一つの手です",
        r"見通せない|とは限らない|とは限りません|とも限りません|とは言えない|とはいえない|話にならない|話になりません|"
        r"言い過ぎ|無理もない|無理はありません|一理ある|一理あります|たい|たいです|てほしい|てほしいです",
    ))
    + ")$"
)
# The end of a noun phrase: a heading or list item (「送電網整備の費用負担」), a dangling clause (「…を掲げつつ」,
# 「…運用設計まで」), a recommendation as a noun (「…環境を作ること」). Not a fragment when it ends with a figure
# (「従業員数:約1,700人(2024年末時点)」: a key and its value) or with a verbal noun that reports (「…と発表。」).
_JA_TRAILING_NOTE = re.compile(r"\s*[(（][^()（）]{0,30}[)）]$")
_JA_CLOSERS = re.compile(r"[」』】）)\]]+$")
_JA_NO_PREDICATE = re.compile(
    r"(?:[\u4e00-\u9fff\u30a0-\u30ffA-Za-z%％・ー]|こと|もの|など|まで|つつ|ながら|について|として|による|への|"
    r"[のをがはにでとへや])$"
)
_JA_REPORTING_NOUN = re.compile(
    r"(?<!という)(?:発表|発売|開始|決定|公開|成立|可決|稼働|開業|設立|実施|導入|承認|合意|締結|完了|達成|予定|方針|"
    r"計画|見込み|見通し|表明|公表|契約|買収|撤退|参入|廃止|延期|中止|値上げ|値下げ|引き上げ|引き下げ|増加|減少|"
    r"上昇|下落|死去|就任|受賞|記録|へ)$"
)
_JA_FIGURE_END = re.compile(
    rf"(?:{_KANJI_AMOUNT}\s?(?:{_JA_UNITS})|[0-9０-９])(?:規模|程度|以上|以下|前後|超|強|弱|余り|近く|台|時点|末)?$"
)


_JA_ASSERTED_CLAUSE = re.compile(r"(?:ており|ていて|であり|でおり|があり|ため|ので|した|して|され)[、，]")
# A noun phrase headed by a past relative clause describes what happened or a condition met: 「…検察官として5年以上
# 在職した者」 is a list item a reader can check, unlike 「…環境を作ること」.
_JA_PAST_HEADED = re.compile(r"(?:した|された|った|いた|えた|れた|だった)[\u4e00-\u9fff\u30a0-\u30ff]{1,4}$")


def _japanese_end(sentence: str) -> str:
    text = _JA_END_TRIM.sub("", sentence)
    return _JA_FINAL_PARTICLE.sub("", text)


def _is_japanese(sentence: str) -> bool:
    return len(_JA_CHAR.findall(sentence)) * 3 >= len(sentence)


def _names(sentence: str, japanese: bool) -> list[str]:
    if japanese:
        found = [m.group() for m in _ORG_JA.finditer(sentence)] if _ORG_JA_HINT.search(sentence) else []
        found += [m.group() for m in _LATIN_NAME_IN_JA.finditer(sentence) if len(m.group()) >= 3]
        return found
    found = [m.group() for m in _ORG_EN.finditer(sentence)]
    found += [m.group() for m in _ACRONYM.finditer(sentence) if m.group() not in _NOT_NAMES]
    found += [m.group() for m in _CAPITALISED.finditer(sentence) if m.group().split()[0] not in _NOT_NAMES]
    return found


# Features that are one regex's matches, as they stand: present exactly when the regex finds anything.
# (Japanese, English) pattern for each.
_PLAIN_FEATURES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "verb": (_VERB_JA, _VERB_EN),
    "past": (_PAST_JA, _PAST_EN),
    "change": (_CHANGE, _CHANGE),
    "opinion": (_OPINION, _OPINION),
    "future": (_FUTURE, _FUTURE),
    "hedge": (_HEDGE, _HEDGE),
    "evaluation": (_EVALUATION, _EVALUATION),
    "discourse": (_DISCOURSE, _DISCOURSE),
    "chat": (_CHAT, _CHAT),
    "second_person": (_SECOND_PERSON, _SECOND_PERSON),
    "first_person": (_FIRST_PERSON, _FIRST_PERSON),
}


# Regexes that together match exactly when a feature's regex does, but search faster (see _CHAT_AT_START).
_PRESENCE_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "chat": (_CHAT_AT_START, *_CHAT_ANYWHERE),
    "change": _CHANGE_HALVES,
    "future": _FUTURE_HALVES,
    "opinion": _OPINION_HALVES,
    "hedge": _HEDGE_HALVES,
    "evaluation": _EVALUATION_HALVES,
    "second_person": _SECOND_PERSON_HALVES,
}


class _Features:
    """The features of one sentence, each worked out only when first asked for."""

    def __init__(self, sentence: str):
        # Markers need a `[`; most sentences have none, and then there is nothing to take out.
        self.text = (_MARKERS.sub("", sentence) if "[" in sentence else sentence).strip()
        self.japanese = _is_japanese(self.text)
        self._found: dict[str, list[str]] = {}
        self._present: dict[str, bool] = {}  # presence found by a search alone (its matches not worked out)
        self._searches = _PRESENCE_SEARCHES[self.japanese]

    def matches(self, feature: str) -> list[str]:
        """The text that matched `feature` (empty when it does not match)."""
        found = self._found.get(feature)
        if found is None:
            if feature in _PLAIN_FEATURES:
                pattern = _PLAIN_FEATURES[feature][0 if self.japanese else 1]
                found = [m.group() for m in pattern.finditer(self.text)]
            else:
                found = _COMPUTED_FEATURES[feature](self)
            self._found[feature] = found
        return found

    def present(self, feature: str) -> bool:
        """Whether `feature` matches; for a plain feature, the first match found is enough to know."""
        known = self.known(feature)
        if known is not None:
            return known
        searches = self._searches.get(feature)
        if searches is None:
            return bool(self.matches(feature))
        found = any(search(self.text) for search in searches)
        self._present[feature] = found
        return found

    def known(self, feature: str) -> bool | None:
        """Whether `feature` matches, if that has been worked out already (None: not yet)."""
        found = self._found.get(feature)
        if found is not None:
            return bool(found)
        return self._present.get(feature)

    def possible(self, feature: str) -> bool:
        """False only when `feature` certainly does not match, by a test far cheaper than the feature's own.

        Each test is a necessary condition of its feature (tests/extract/test_claim_bound.py holds every match to
        it): a number needs a `_NUMBER` or (English) a `_SPELLED_NUMBER` match, which the feature then filters; an
        English name needs an ASCII capital (each of `_ORG_EN`, `_ACRONYM`, `_CAPITALISED` starts with one).
        """
        if feature == "number":
            return bool(_NUMBER.search(self.text) or (not self.japanese and _SPELLED_NUMBER.search(self.text)))
        if feature == "name" and not self.japanese:
            return _ASCII_CAPITAL.search(self.text) is not None
        return True

    def _date(self) -> list[str]:
        return [m.group() for m in _DATE.finditer(self.text)]

    def _amount(self) -> list[str]:
        dates = self.matches("date")
        amounts = (m.group().strip() for m in _AMOUNT.finditer(self.text))
        return [amount for amount in amounts if not any(amount in date for date in dates)]

    def _number(self) -> list[str]:
        covered = " ".join(self.matches("amount") + self.matches("date"))
        found = [m.group() for m in _NUMBER.finditer(self.text) if m.group() not in covered]
        if not self.japanese:
            found += [m.group() for m in _SPELLED_NUMBER.finditer(self.text) if m.group() not in covered]
        return found

    def _name(self) -> list[str]:
        return _names(self.text, self.japanese)

    def _question(self) -> list[str]:
        text = self.text
        return [text[-1]] if text and (text[-1] in "?？" or _QUESTION_ENDING.search(text)) else []

    def _modal(self) -> list[str]:
        if not self.japanese:
            return []
        end = _japanese_end(self.text)
        found = _MODAL_JA.search(end)
        if not found:
            return []
        # The ending governs the last clause: 「火星の約40%を占めており、衝突の結果である可能性があります」 asserts its
        # first clause. A figure before a clause that ends in 〜ており、/〜であり、/〜し、/〜ため、 stays a claim.
        boundary = None
        for boundary in _JA_ASSERTED_CLAUSE.finditer(end, 0, found.start()):
            pass
        if boundary is not None and (_AMOUNT.search(end, 0, boundary.start()) or _DATE.search(end, 0, boundary.start())):
            return []
        return [found.group()]

    def _fragment(self) -> list[str]:
        if self.japanese:
            end = _JA_CLOSERS.sub("", _JA_TRAILING_NOTE.sub("", _JA_END_TRIM.sub("", self.text)))
            end = _JA_END_TRIM.sub("", end)
            if not end or _JA_FIGURE_END.search(end) or _JA_REPORTING_NOUN.search(end) or _JA_PAST_HEADED.search(end):
                return []
            found = _JA_NO_PREDICATE.search(end)
            return [end[-12:]] if found else []
        text = self.text.rstrip()
        # Long lines without a stop are prose (Citation Needed's Wikipedia sentences have none), so only short ones.
        if not text or text[-1] in _EN_SENTENCE_END or len(_WORD.findall(text)) > _EN_FRAGMENT_WORDS:
            return []
        if any(search(text) for search in _EN_FINITE_SEARCHES):
            return []
        # A list item that gives a figure (`Texas: Samsung, up to $4.745 billion`) is data, not a fragment.
        if self.matches("amount") or self.matches("date"):
            return []
        return [text]

    def _short(self) -> list[str]:
        text = self.text
        if self.japanese:
            return [text] if len(text) < 8 else []
        words = sum(1 for _ in islice(_WORD.finditer(text), 4))  # fewer than four words: counting stops at the fourth
        # one unbroken token (`Openai/6a3f1c2e-…`, `gpt-5-2`: an export's header lines) is a fragment however it splits
        return [text] if words < 4 or not _SPACE.search(text) else []


# An English line without a closing stop and without a finite verb is a heading or a list item's noun phrase.
_EN_FRAGMENT_WORDS = 12
_EN_SENTENCE_END = ".!?:;\"')”’]"
_EN_FINITE_WORDS = (
    r"is|are|was|were|be|been|being|am|has|have|had|do|does|did|will|would|can|could|may|might|must|shall|"
    r"should|isn't|aren't|wasn't|weren't|hasn't|haven't|hadn't|doesn't|don't|didn't|won't|can't|cannot|said|says"
)
_EN_PRONOUN_CLAUSE = r"(?:^|[,;:—–-]\s*)(?:it|he|she|they|we|you|i|this|that|there)\s+\w+"
_EN_FINITE = re.compile(rf"\b(?:{_EN_FINITE_WORDS}|\w{{3,}}ed)\b|{_EN_PRONOUN_CLAUSE}", re.IGNORECASE)
# Whether _EN_FINITE matches, in three searches that together take half its time: the words grouped by _one_of; a
# word of five or more characters ending in `ed` (`\b\w{3,}ed\b` covers a whole word, so it is `ed` at a word's
# end with three word characters before it, found without trying `\w{3,}` at every word); the pronoun clause.
_EN_FINITE_SEARCHES = (
    re.compile(r"\b" + _one_of(_EN_FINITE_WORDS, ignore_case=True) + r"\b", re.IGNORECASE).search,
    re.compile(r"(?<=\w\w\w)ed\b", re.IGNORECASE).search,
    re.compile(_EN_PRONOUN_CLAUSE, re.IGNORECASE).search,
)

_COMPUTED_FEATURES = {
    "amount": _Features._amount,
    "number": _Features._number,
    "date": _Features._date,
    "name": _Features._name,
    "question": _Features._question,
    "short": _Features._short,
    "modal": _Features._modal,
    "fragment": _Features._fragment,
}
_REASON_FEATURES = {"amount": "number", "number": "number", "date": "date", "name": "name", "verb": "verb"}
# For each language (japanese: True/False), the searches that tell a plain feature's presence: its regex, or the
# faster regexes that together match when it does. Features of the reasons are left out: their matches are needed.
_PRESENCE_SEARCHES: dict[bool, dict[str, tuple]] = {
    japanese: {
        feature: tuple(p.search for p in _PRESENCE_PATTERNS.get(feature, (patterns[0 if japanese else 1],)))
        for feature, patterns in _PLAIN_FEATURES.items()
        if feature not in _REASON_FEATURES
    }
    for japanese in (True, False)
}


# --------------------------------------------------------------------------------------------------------------
# English: a logistic regression over the rule's features and the sentence's words
# --------------------------------------------------------------------------------------------------------------

# Numbers become shape tokens (a $ amount, a percentage, a year, any other number), so the model learns "<pct>"
# once instead of every figure; words are lower-cased, with their apostrophe (`don't`, `america's`).
_EN_TOKEN = re.compile(r"[$€£¥]?\d(?:[\d,]*\d)?(?:\.\d+)?%?|[a-z]+(?:'[a-z]+)?")
_YEAR_TOKEN = re.compile(r"(?:1[6-9]|20)\d\d")
_RULE_PREFIX = "@"  # a rule feature's term: "@amount"; words and bigrams never start with it


def _shape(token: str) -> str:
    if not token[0].isdigit():
        return "<money>" if token[0] in "$€£¥" else token
    if token[-1] == "%":
        return "<pct>"
    return "<year>" if _YEAR_TOKEN.fullmatch(token) else "<num>"


def english_terms(text: str) -> set[str]:
    """The words of `text` that the English model weighs: lower-cased unigrams and bigrams, numbers as shapes.

    The first token also appears as the bigram `<s> token` (how a sentence opens: "i think", "thank you").
    """
    tokens = [_shape(token) for token in _EN_TOKEN.findall(text.lower().replace("’", "'"))]
    terms = set(tokens)
    terms.update(f"{a} {b}" for a, b in zip(["<s>", *tokens], tokens))
    return terms


class _EnglishModel(NamedTuple):
    bias: float  # the intercept with the decision threshold folded in: a sentence is worthy when the score is >= 0
    terms: dict[str, float]  # word and bigram weights
    rule: dict[str, float]  # weights of the rule's features (the same names as WEIGHTS)


@cache
def _english_model() -> _EnglishModel:
    """The learned weights (refcheck/data/checkworthy_en.json, written by bench/train_checkworthy.py), read once."""
    raw = json.loads(resources.files("refcheck").joinpath("data/checkworthy_en.json").read_text(encoding="utf-8"))
    rule = {name: raw["weights"].get(_RULE_PREFIX + name, 0.0) for name in WEIGHTS}
    terms = {term: weight for term, weight in raw["weights"].items() if not term.startswith(_RULE_PREFIX)}
    return _EnglishModel(raw["bias"] - raw["threshold"], terms, rule)


def english_features(sentence: str) -> set[str]:
    """Everything the English model weighs in `sentence`: its terms and its rule features ("@amount", …)."""
    features = _Features(sentence)
    rule = (_RULE_PREFIX + name for name in _FEATURE_ORDER if features.matches(name))
    return english_terms(features.text) | set(rule)


def _english_words_score(text: str) -> float:
    """The model's intercept plus the weights of the words of `text` (everything but the rule's features)."""
    model = _english_model()
    weight = model.terms.get
    return model.bias + sum(weight(term, 0.0) for term in english_terms(text))


# The order of sentence_features' result (and of the sum in check_score).
_FEATURE_ORDER = (
    "amount", "number", "date", "name", "verb", "past", "change", "opinion", "future", "hedge", "evaluation",
    "question", "discourse", "chat", "second_person", "first_person", "short", "modal", "fragment",
)


def sentence_features(sentence: str) -> dict[str, list[str]]:
    """Every feature of the weighted rule that matches `sentence`, with the text that matched it."""
    features = _Features(sentence)
    found = {name: features.matches(name) for name in _FEATURE_ORDER}
    return {name: matches for name, matches in found.items() if matches}


def check_score(features: dict[str, list[str]]) -> float:
    """The hand rule's score of sentence_features(…): what decides for Japanese (check-worthy when >= 0)."""
    return BIAS + sum(WEIGHTS[name] for name in features)


# The issue counts recommendations, the assistant's talk and fragments as not claims; ClaimBuster labels a debater's
# proposal with a figure ("We should spend $1 trillion on…") check-worthy, and has no chat and few fragments (an
# export's `gpt-5-2` header line scores high on its numbers). An English sentence with one of these features is
# check-worthy only when the rule agrees (figures: docs/benchmarks.md).
RULE_MUST_AGREE = ("opinion", "chat", "short", "fragment")


def claim_score(sentence: str) -> float:
    """The score that decides check_worthiness (worthy when >= 0): the rule's for Japanese, the model's for English.

    For an English sentence with a RULE_MUST_AGREE feature, the lower of the model's and the rule's scores.
    """
    features = _Features(sentence)
    bias, weights = _scoring(features)
    score = bias + sum(weights[name] for name in _FEATURE_ORDER if features.present(name))
    if not features.japanese and any(features.present(name) for name in RULE_MUST_AGREE):
        score = min(score, BIAS + sum(WEIGHTS[name] for name in _FEATURE_ORDER if features.present(name)))
    return score


def _scoring(features: _Features) -> tuple[float, dict[str, float]]:
    """The starting score and the weights of the rule's features that decide `features`' sentence."""
    if features.japanese:
        return BIAS, WEIGHTS
    return _english_words_score(features.text), _english_model().rule


# check_worthiness looks at features in this order (cheap tests and strong weights first, the reasons' features,
# then the rest) and stops once the features left cannot change the verdict.
_DECISION_ORDER = (
    "short", "question", "modal", "fragment", "discourse", "first_person", "second_person", "chat",
    "date", "amount", "number", "verb", "name", "past", "change",
    "opinion", "evaluation", "future", "hedge",
)
# The order in which the rule's half of an English verdict is tried (below): the evidence first, cheapest first, so
# that a sentence that cannot reach the rule's threshold is shown so after as few features as possible.
_REFUTING_ORDER = (
    "amount", "date", "past", "change", "verb", "number", "name",
    "question", "modal", "short", "fragment", "chat", "opinion", "first_person", "second_person", "discourse",
    "evaluation", "future", "hedge",
)
# RULE_MUST_AGREE, cheapest test first (`any` gives the same answer in any order).
_MUST_AGREE_ORDER = ("short", "fragment", "chat", "opinion")
assert sorted(_DECISION_ORDER) == sorted(_REFUTING_ORDER) == sorted(_FEATURE_ORDER) == sorted(WEIGHTS)
assert sorted(_MUST_AGREE_ORDER) == sorted(RULE_MUST_AGREE)
_MARGIN = 1e-9  # far above float rounding in a sum of 18 weights, far below their 0.25 (rule) or 0.001 (model) steps
_CACHE_SIZE = 16384  # sentences: exports repeat boilerplate lines; a few MB at most


def check_worthiness(sentence: str) -> tuple[bool, tuple[str, ...]]:
    """Whether `sentence` is a check-worthy factual claim, and why it looks factual ("number: 1兆円", …).

    Results are cached per sentence text: call `check_worthiness.cache_clear()` after changing WEIGHTS, BIAS or the model.
    """
    return _check_worthiness(sentence)


@lru_cache(maxsize=_CACHE_SIZE)
def _check_worthiness(sentence: str) -> tuple[bool, tuple[str, ...]]:
    features = _Features(sentence)
    if features.japanese:
        worthy = _is_worthy(features, BIAS, WEIGHTS)
    else:
        # claim_score(…) >= 0 is "the model's score >= 0, and, with a RULE_MUST_AGREE feature, the rule's too". The
        # rule's half needs no word weights, and its bound settles most sentences that have such a feature (a list
        # of link titles: 5-word fragments), so it is tried first: when even every feature still unknown (and
        # possible) could not lift the rule's score to 0, the sentence cannot qualify and the model is not asked.
        if any(features.present(name) for name in _MUST_AGREE_ORDER):
            worthy = _is_worthy(features, BIAS, WEIGHTS, _REFUTING_ORDER) and _is_worthy(features, *_scoring(features))
        else:
            worthy = _is_worthy(features, *_scoring(features))
    if not worthy:
        return False, ()
    reasons, seen = [], []
    for feature, label in _REASON_FEATURES.items():
        for match in features.matches(feature):
            if not any(match in earlier for earlier in seen):  # `PLaMo Translate` inside `「PLaMo Translate」`
                seen.append(match)
                # Interned: a big export's claims repeat the same few reasons ("number: 2025年") many times over.
                reasons.append(sys.intern(f"{label}: {match}"))
    return True, tuple(reasons[:6])


check_worthiness.cache_clear = _check_worthiness.cache_clear  # type: ignore[attr-defined]


def _is_worthy(features: _Features, bias: float, weights: dict[str, float],
               order: tuple[str, ...] = _DECISION_ORDER) -> bool:
    """claim_score(…) >= 0 for these weights, without working out the features that cannot change the answer.

    The bound: the score so far plus the most the features not yet known can add (`gain`: their positive weights)
    or take away (`loss`). Features already worked out count at once; a feature whose weight is 0 is never worked
    out (it cannot move the score); a positive feature that `_Features.possible` rules out counts as absent.
    """
    score, gain, loss = bias, 0.0, 0.0
    unknown = []
    found, present = features._found, features._present  # features.known(…), inlined: this loop runs per sentence
    for feature in order:
        weight = weights[feature]
        if weight == 0:
            continue
        matches = found.get(feature)
        known = bool(matches) if matches is not None else present.get(feature)
        if known is None and weight > 0 and not features.possible(feature):
            known = False
        if known is None:
            unknown.append(feature)
            if weight > 0:
                gain += weight
            else:
                loss += weight
        elif known:
            score += weight
    for feature in unknown:
        if score + gain < -_MARGIN:
            return False
        if score + loss > _MARGIN:
            return True
        weight = weights[feature]
        if weight > 0:
            gain -= weight
        else:
            loss -= weight
        if features.present(feature):
            score += weight
    # Every feature that can move the score is known: the same sum, in the same order, as claim_score (a weight of
    # 0 adds exactly nothing to a float sum, so leaving those features out changes no bit of it).
    return bias + sum(weights[name] for name in _FEATURE_ORDER if weights[name] != 0 and features.known(name)) >= 0


# --------------------------------------------------------------------------------------------------------------
# Blocks → claims
# --------------------------------------------------------------------------------------------------------------

_TRIVIAL = re.compile(r"^[\W_]*$|^(?:edit|References|参考文献|出典)$", re.IGNORECASE)
_INLINE_TAIL_MARKERS = re.compile(rf"(?:\s*{_MARKER})+\s*(?:edit)?\s*$")


def claims_from_blocks(blocks: Iterable[ProseBlock]) -> list[Claim]:
    """One Claim per sentence of every block, with the citations and links that fall in the sentence."""
    return list(iter_claims_from_blocks(blocks))


def iter_claims_from_blocks(blocks: Iterable[ProseBlock]) -> Iterator[Claim]:
    """`claims_from_blocks`, one at a time (a caller that keeps only some never holds them all)."""
    for block_index, block in enumerate(blocks):
        sentences = _split(block.text, (offset for offset, _ in block.citations))
        citations, links = _ByOffset(block.citations), _ByOffset(block.links)
        line, counted_to = block.line, 0  # newlines are counted once, sentence by sentence, not from 0 each time
        for number, sentence in enumerate(sentences):
            # Anything between this sentence and the next (a stripped marker's offset) belongs to this sentence.
            until = sentences[number + 1].start if number + 1 < len(sentences) else len(block.text) + 1
            if sentence.start < counted_to:
                line, counted_to = block.line, 0
            line += block.text.count("\n", counted_to, sentence.start)
            counted_to = sentence.start
            claim = _claim(block, block_index, sentence, until, line, citations, links)
            if claim is not None:
                yield claim


class _ByOffset:
    """A block's (offset, value) pairs, for the values whose offset falls in a range, in their original order."""

    def __init__(self, pairs: tuple[tuple[int, str], ...]):
        self.pairs = pairs
        self.offsets = [offset for offset, _ in pairs]
        self.ordered = all(a <= b for a, b in zip(self.offsets, self.offsets[1:]))

    def between(self, start: int, until: int) -> tuple[str, ...]:
        if self.ordered:  # the range is one slice: found by bisection, not by a scan per sentence
            chosen = self.pairs[bisect_left(self.offsets, start):bisect_left(self.offsets, until)]
        else:
            chosen = tuple(pair for pair in self.pairs if start <= pair[0] < until)
        return tuple(dict.fromkeys(value for _, value in chosen))


_EDIT_AT_END = re.compile(r"\bedit$")
_WORD_CHARACTER = re.compile(r"\w")


_URL_IN_TEXT = re.compile(r"(?:https?|ftp)://\S+")


def _claim(
    block: ProseBlock,
    block_index: int,
    sentence: _Sentence,
    until: int,
    line: int,
    citations: _ByOffset,
    links: _ByOffset,
) -> Claim | None:
    # The claim's text is the sentence's own words: the trailing `Impress Watch[3]` is carried by `refs`.
    text = block.text[sentence.start:sentence.body_end]
    if "[" in text:  # both regexes below need the literal text they look for; most sentences have neither
        text = _INLINE_TAIL_MARKERS.sub("", text)
    text = text.strip()
    if not _WORD_CHARACTER.search(_EDIT_AT_END.sub("", text) if "edit" in text else text) or _TRIVIAL.match(text):
        return None
    # A URL's digits and words are an address, not facts: "→ https://…/2026/11/…" states nothing.
    worthy, reasons = check_worthiness(_URL_IN_TEXT.sub(" ", text).strip() if "://" in text else text)
    return Claim(
        text=text,
        line=line,
        refs=citations.between(sentence.start, until),
        urls=links.between(sentence.start, until),
        speaker=block.speaker,
        check_worthy=worthy,
        reasons=reasons,
        block=block_index,
    )
