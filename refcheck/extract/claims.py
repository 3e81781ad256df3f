"""Split prose blocks into sentences (Japanese and English) and mark the check-worthy factual claims among them."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
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
    for match in re.finditer(r"\n", text):
        lines.append((start, match.start()))
        start = match.end()
    lines.append((start, len(text)))
    pieces, piece_start = [], lines[0][0]
    for (start, end), (next_start, next_end) in zip(lines, lines[1:]):
        if _is_structural_break(text[start:end], text[next_start:next_end]):
            pieces.append((piece_start, end))
            piece_start = next_start
    pieces.append((piece_start, len(text)))
    return [piece for piece in pieces if text[piece[0]:piece[1]].strip()]


def _is_structural_break(line: str, next_line: str) -> bool:
    before, after = line.rstrip(), next_line.strip()
    if not before or not after or _LIST_ITEM_START.match(next_line):
        return True
    if before[-1] in _WIDE_TERMINATORS + _ASCII_TERMINATORS + "．:：]" + _CLOSERS_AFTER_STOP:
        return True
    # A wrapped English line continues in lower case or after a comma; a short line without a stop is a heading.
    if after[0].islower() or before[-1] in ",、，;；":
        return False
    return len(before) < 40


def _protected(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of brackets and quotes that close within the line: a stop inside them does not end the sentence."""
    stack: list[tuple[str, int]] = []
    spans = []
    for index in range(start, end):
        char = text[index]
        if char in _BRACKETS:
            stack.append((_BRACKETS[char], index))
        elif stack and char in _BRACKETS.values():
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == char:
                    spans.append((stack[depth][1], index))
                    del stack[depth:]
                    break
    return spans


def _split_line(text: str, start: int, end: int) -> list[_Sentence]:
    bullet = _LIST_ITEM_START.match(text, start, end)
    if bullet:
        start = bullet.end()  # the list marker is layout, not part of the first sentence
    protected = _protected(text, start, end)
    inside = [False] * (end - start)
    for open_at, close_at in protected:
        for index in range(open_at + 1, close_at):
            inside[index - start] = True
    opens = {open_at for open_at, _ in protected}
    # English only: `He said “No.” Then…`; a Japanese 「…。」 or （…。） stays inside its sentence.
    closes_after_stop = {close for _, close in protected if text[close] in ")”" and text[close - 1] in ".!?"}
    sentences, sentence_start, index = [], start, start
    while index < end:
        stop = None
        if not inside[index - start] and _ends_sentence(text, index, end):
            stop = index + 1
        elif index in closes_after_stop and text[index + 1:index + 2].isspace() and _next_starts_sentence(
            text, index + 1, end, strict=True
        ):
            stop = index + 1
        if stop is None:
            index += 1
            continue
        while stop < end and text[stop] in _CLOSERS_AFTER_STOP and stop not in opens and not inside[stop - start]:
            stop += 1
        with_citation = _absorb_trailing_citation(text, stop, end)
        sentences.append(_Sentence(sentence_start, with_citation, stop))
        sentence_start = index = with_citation
    sentences.append(_Sentence(sentence_start, end, end))
    return [trimmed for trimmed in map(lambda sentence: _trim(text, sentence), sentences) if trimmed]


def _ends_sentence(text: str, index: int, end: int) -> bool:
    char = text[index]
    if char in _WIDE_TERMINATORS:
        return True
    if char == "．":  # full-width period: a stop, unless between digits (１．５)
        return not (index + 1 < end and text[index + 1].isdigit() and index > 0 and text[index - 1].isdigit())
    if char not in _ASCII_TERMINATORS:
        return False
    if index + 1 < end and text[index + 1] in _ASCII_TERMINATORS + _CLOSERS_AFTER_STOP:
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
    rest = text[index:end].lstrip()
    return bool(rest) and (not strict or not rest[0].islower())


def _is_abbreviation(text: str, index: int) -> bool:
    word = _WORD_BEFORE.search(text, max(0, index - 12), index)
    if not word:
        return False
    token = word.group(1).lower()
    if token in _ABBREVIATIONS:
        # `No.`/`p.` abbreviate only before a number; `... said no. Then` ends a sentence.
        return token not in {"no", "nos", "p", "pp"} or re.match(r"\s*\d", text[index + 1:index + 4]) is not None
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


def _looks_like_source_label(candidate: str) -> bool:
    """A site or publisher name (`Impress Watch`, `デジタル庁`, `X (formerly Twitter)`), not a trailing clause.

    Japanese clauses carry hiragana and English ones lower-case words; names rarely do either.
    """
    name = re.sub(_MARKER, "", candidate).replace(" edit", "").strip()
    if not name or re.search(r"[\u3040-\u309f]", name):
        return False
    words = re.findall(r"[A-Za-z]+", name)
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
        fragment = text[sentence.start:sentence.end]
        if (
            merged
            and len(fragment) <= _LABEL_MAX
            and fragment[-1] not in _WIDE_TERMINATORS + _ASCII_TERMINATORS + "．"
            and "\n" not in text[merged[-1].end:sentence.start]
            and _holds_citation(citations, sentence.start, sentence.end)
            and _looks_like_source_label(fragment)
        ):
            merged[-1] = merged[-1]._replace(end=sentence.end)
        else:
            merged.append(sentence)
    return merged


def _holds_citation(citations: list[int], start: int, end: int) -> bool:
    position = bisect_right(citations, start - 1)
    return position < len(citations) and citations[position] <= end


# --------------------------------------------------------------------------------------------------------------
# Check-worthiness: a weighted feature rule
# --------------------------------------------------------------------------------------------------------------

# Each feature adds its weight when it matches (once, however often); a sentence is check-worthy when BIAS plus the
# weights reaches 0. The weights are a class-balanced logistic regression over these binary features, fitted by
# bench/tune_claims.py on ClaimBuster train and the dev half of tests/fixtures/claims/checkworthy.jsonl only (never a
# test split), rounded to 0.25; `short` and `chat` have no signal in ClaimBuster and were set by hand on the dev half. BIAS is the
# highest value at which ClaimBuster-train recall reaches 0.70 (the recall aim). Figures: docs/benchmarks.md.
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
    "question": -1.5,
    "discourse": -0.25,  # 結論として, はい。, in short, well
    "chat": -2.5,  # the assistant about the conversation: 必要なら…できます, let me know, here is (hand-set, dev half)
    "second_person": -0.25,  # あなた, your argument
    "future": -0.5,  # a promise or prediction rather than a record: will, going to, つもり
    "first_person": -1.0,  # the speaker's own views and experiences: I, my, 私
    "short": -2.0,  # fewer than four words / eight characters
}

_JA = r"[\u3040-\u30ff\u3400-\u9fff]"
_DIGITS = r"[0-9０-９][0-9０-９,，.．]*"
_KANJI_AMOUNT = r"[0-9０-９,，.．一二三四五六七八九十百千万億兆数約]*[0-9０-９一二三四五六七八九十百千数]"
_JA_UNITS = (
    r"(?:兆|億|万|千)?(?:円|ドル|ユーロ|元|ウォン)|兆|億|万人|人|名|社|件|回|倍|%|％|パーセント|割|歳|年間|年|か月|ヶ月|カ月|ヵ月|"
    r"週間|日間|時間|分間|秒|台|基|店|校|機|本|個|票|議席|位|世帯|トン|キロ|km|kg|GB|TB|MW|GW|ポイント|ぶり|連続"
)
_AMOUNT = re.compile(
    rf"(?:[$¥€£]\s?{_DIGITS}(?:\s?(?:million|billion|trillion|thousand|[mbkMBK]n?)\b)?"
    rf"|\b{_DIGITS}\s?(?:%|percent\b|per cent\b|million\b|billion\b|trillion\b|thousand\b|hundred\b|yen\b|dollars?\b|"
    r"euros?\b|people\b|jobs\b|votes?\b|years?\b|months?\b|days?\b|times\b|members\b|companies\b|countries\b|"
    r"vehicles\b|units\b|meters\b|km\b|miles\b|tons?\b|points?\b)"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundred|hundreds|thousands|millions|billions|tens)(?:\s+of)?\s+"
    r"(?:percent|million|billion|trillion|thousand|dollars|jobs|people|votes|years|times)\b"
    rf"|{_KANJI_AMOUNT}\s?(?:{_JA_UNITS}))",
    re.IGNORECASE,
)
_NUMBER = re.compile(rf"(?<![A-Za-z]){_DIGITS}")
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE = re.compile(
    rf"\b(?:1[6-9]\d\d|20\d\d)s?\b|\b{_MONTHS}\s+\d{{1,2}}\b|\b{_MONTHS}\s+(?:of\s+)?\d{{4}}\b|"
    r"\b(?:last|next|this) (?:year|month|week|decade|century)\b|\byesterday\b|\b\d{1,2}(?:st|nd|rd|th) century\b|"
    r"[0-9０-９]{2,4}年(?:度|代)?|[0-9０-９]{1,2}月[0-9０-９]{1,2}日|[0-9０-９]{1,2}[月日](?!間)|(?:令和|平成|昭和)[元0-9０-９一二三四五六七八九十]+年|"
    r"昨年|一昨年|今年|来年|昨年度|今年度|来年度|先月|先週|前年|同年|発足時|開幕",
)
_ORG_JA = re.compile(
    r"(?<![\u30a0-\u30ff\u4e00-\u9fff])(?![年月日他各同以全])[\u30a0-\u30ff\u4e00-\u9fffA-Za-z]{1,12}(?:庁|省|府|本部|委員会|内閣|国会|議会|銀行|大学|研究所|研究機構|機構|協会|"
    r"株式会社|グループ|新聞|通信|放送|首相|大臣|知事|市長|大統領)|株式会社[\u30a0-\u30ffA-Za-z]+|「[^「」\u3040-\u309f]{1,15}」"
)
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
_VERB_JA = re.compile(
    r"発表|表明|報じ|報道|予定|計画|公表|決定|決め|策定|開始|設立|開設|締結|提携|買収|合意|可決|成立|施行|"
    r"明らかに|示した|述べた|によると|によれば|調査|統計|発売|公開|計上|確保|記録|過去最|閣議|承認|認可|署名|"
    r"売却|取得|受注|契約|稼働|選ばれ|挙が|名前が|目指す|掲げ|打ち出|"
    r"(?:開発|推進|導入|投資|出資|支援|採用|実施|運用|展開|構築|増加|減少|上昇|下落|提供|整備|設置|発足|参入|撤退|"
    r"進め|増え|減っ|達)(?:し|され|する|して|しており|している|を開始|を進め|を決め|た|ている|ており|ました)"
)
_VERB_EN = re.compile(
    r"\b(?:announc\w*|report\w*|according to|plans? to|planned|said|says|stated|declared|confirmed|revealed|"
    r"published|released|launched|signed|passed|voted|approved|vetoed|enacted|introduced|proposed|established|"
    r"founded|acquired|invested|allocated|spent|spends|cut|cuts|raised|increased|decreased|declined|rose|fell|"
    r"doubled|tripled|grew|dropped|lost|gained|created|employs|employed|sold|delivered|valued|estimated|found|"
    r"survey\w*|study|studies|data|statistics|percent|budget|deficit|taxes|unemployment|closed|opened|won|"
    r"elected|appointed|blocked|banned|sued|fined|supported|opposed|authored|sponsored)\b",
    re.IGNORECASE,
)
_SPELLED_NUMBER = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half)\b",
    re.IGNORECASE,
)
_CHANGE = re.compile(
    r"過去最|最大|最多|最少|最低|最高|増加|減少|増え|減っ|上昇|下落|上回|下回|倍増|半減|前年比|連続|"
    r"\b(?:more than|less than|fewer than|over|under|up|down|increas\w*|decreas\w*|doubl\w*|tripl\w*|"
    r"rais\w*|cut|cuts|lower\w*|higher|highest|lowest|largest|biggest|smallest|record|since|rate|rates|"
    r"times as|grew|grown|fell|fallen|rose|risen|went up|gone up|went down|gone down)\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(r"つもり|予想され|\b(?:will|won't|would|going to|gonna|'ll)\b", re.IGNORECASE)
_NOT_PAST = r"(?!(?:united|hundred|need|indeed|speed|exceed|proceed|succeed|seed|feed|bed|red|shed)\b)"
_PAST_EN = re.compile(
    rf"\b{_NOT_PAST}(?:was|were|had|did|has been|have been|\w{{3,}}ed|(?:has|have|hasn't|haven't)(?: not| never| already)? \w+(?:ed|en|got|ght|ne|wn))\b",
    re.IGNORECASE,
)
_PAST_JA = re.compile(r"(?:した|された|だった|であった|となった|になった|ている|ていた|ています|ました|である)[。．]?$")
_OPINION = re.compile(
    r"べき|と思|と考え|たい(?:[。．]|$)|ほしい|必要だ|必要がある|必要です|望ましい|しましょう|ください|といい[。．]?$|"
    r"なければならない|てはならない|ではないか|私は|私の|"
    r"\b(?:should|shouldn't|must|ought|need to|needs to|have to|has to|got to|gotta|I think|I believe|I feel|"
    r"I hope|I want|I'd like|we want|we need|we'?re going to|I'm going to|I will|I'll|we will|we'll|let's|"
    r"I recommend|I would|we can|we must|my opinion|my view|in my view|I support|I oppose|I'm for|I am for)\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"かもしれ|と言える|といえる|と言えます|といえます|可能性が(?:ある|あります|高い)|だろう|でしょう|ようだ|らしい|思われ|"
    r"おそらく|恐らく|見られる|考えられ|そうだ|そうです|わけではない|とも言|ともいえ|"
    r"\b(?:may|might|could|perhaps|maybe|probably|arguably|likely|possibly|seems?|appears? to|it'?s possible)\b",
    re.IGNORECASE,
)
_EVALUATION = re.compile(
    r"妥当|的確|正しい|正確な|合理的|論理的|一貫して|一理|鋭い|過不足|誇張|不可避|典型|非効率|危う|危険|重要なのは|"
    r"不十分|十分だ|問題は|大切|核心|本質|正解|間違|愚か|貧困|自己満足|二流|ご乱心|良い|いい(?:質問|考え)|"
    r"見当違い|偏重|逸脱|ズレ|歪み|迷走|不可能|話にならない|狭い|有効|無駄|不要|必然|明確|順序が逆|害|"
    r"\b(?:great|good|excellent|fair|valid|right|wrong|correct|important|interesting|reasonable|balanced|"
    r"ambitious|short-sighted|key question|what matters|absolutely)\b",
    re.IGNORECASE,
)
_DISCOURSE = re.compile(
    r"^(?:はい|いいえ|ええ|なるほど|もちろん|結論として|要するに|つまり|簡潔に言えば|まとめると|整理すると|次に|"
    r"ここで|さて|まず|その理解|その指摘|その認識|その主張|そのとおり|その通り|その評価|評価として|あなたの)|"
    r"^(?:yes|no|well|okay|ok|so|hello|hi|good morning|good evening|ladies and gentlemen|"
    r"in short|in summary|to sum up|in conclusion|overall|first|second|finally)\b",
    re.IGNORECASE,
)
# An assistant talking about the conversation itself: offers, thanks, sign-posts. ClaimBuster has none of these,
# so the weight of this feature was set by hand on the labelled set's dev half.
_CHAT = re.compile(
    r"^(?:ご質問|ありがとう|承知|必要なら|以下、|以下に)|以下のような|以下に|以下の|次のとおり|次の通り|まとめます|整理します|"
    r"見ていきましょう|ご不明|お尋ね|お気軽|ありがとう|できます[。．]?$|しましょうか|"
    r"^(?:sure|thanks|here is|here are|here's|let me|great question|good question)\b|"
    r"\b(?:thank you|thanks for|hope this helps|let me know|would you like|feel free|happy to help)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"私|僕|我々|\b(?:I|I'm|I've|I'd|my|me)\b")
_SECOND_PERSON = re.compile(r"あなた|ご指摘|\b(?:you're|you are|your)\b", re.IGNORECASE)
_WORD = re.compile(r"\w+")


def _is_japanese(sentence: str) -> bool:
    return len(re.findall(_JA, sentence)) * 3 >= len(sentence)


def _names(sentence: str, japanese: bool) -> list[str]:
    if japanese:
        found = [m.group() for m in _ORG_JA.finditer(sentence)]
        found += [m.group() for m in _LATIN_NAME_IN_JA.finditer(sentence) if len(m.group()) >= 3]
        return found
    found = [m.group() for m in _ORG_EN.finditer(sentence)]
    found += [m.group() for m in _ACRONYM.finditer(sentence) if m.group() not in _NOT_NAMES]
    found += [m.group() for m in _CAPITALISED.finditer(sentence) if m.group().split()[0] not in _NOT_NAMES]
    return found


def sentence_features(sentence: str) -> dict[str, list[str]]:
    """Every feature of the weighted rule that matches `sentence`, with the text that matched it."""
    text = re.sub(_MARKER, "", sentence).strip()
    japanese = _is_japanese(text)
    dates = [m.group() for m in _DATE.finditer(text)]
    amounts = [m.group().strip() for m in _AMOUNT.finditer(text) if not any(m.group().strip() in d for d in dates)]
    covered = " ".join(amounts + dates)
    features = {
        "amount": amounts,
        "number": [m.group() for m in _NUMBER.finditer(text) if m.group() not in covered]
        + ([] if japanese else [m.group() for m in _SPELLED_NUMBER.finditer(text) if m.group() not in covered]),
        "date": dates,
        "name": _names(text, japanese),
        "verb": [m.group() for m in (_VERB_JA if japanese else _VERB_EN).finditer(text)],
        "past": [m.group() for m in (_PAST_JA if japanese else _PAST_EN).finditer(text)],
        "change": [m.group() for m in _CHANGE.finditer(text)],
        "opinion": [m.group() for m in _OPINION.finditer(text)],
        "future": [m.group() for m in _FUTURE.finditer(text)],
        "hedge": [m.group() for m in _HEDGE.finditer(text)],
        "evaluation": [m.group() for m in _EVALUATION.finditer(text)],
        "question": [text[-1]] if text and (text[-1] in "?？" or re.search(r"(?:ですか|ますか|でしょうか|のか)[。]?$", text)) else [],
        "discourse": [m.group() for m in _DISCOURSE.finditer(text)],
        "chat": [m.group() for m in _CHAT.finditer(text)],
        "second_person": [m.group() for m in _SECOND_PERSON.finditer(text)],
        "first_person": [m.group() for m in _FIRST_PERSON.finditer(text)],
        "short": [text] if (len(text) < 8 if japanese else len(_WORD.findall(text)) < 4) else [],
    }
    return {name: matches for name, matches in features.items() if matches}


def check_score(features: dict[str, list[str]]) -> float:
    return BIAS + sum(WEIGHTS[name] for name in features)


_REASON_FEATURES = {"amount": "number", "number": "number", "date": "date", "name": "name", "verb": "verb"}


def check_worthiness(sentence: str) -> tuple[bool, tuple[str, ...]]:
    """Whether `sentence` is a check-worthy factual claim, and why it looks factual ("number: 1兆円", …)."""
    features = sentence_features(sentence)
    if check_score(features) < 0:
        return False, ()
    reasons, seen = [], []
    for feature, label in _REASON_FEATURES.items():
        for match in features.get(feature, ()):
            if not any(match in earlier for earlier in seen):  # `PLaMo Translate` inside `「PLaMo Translate」`
                seen.append(match)
                reasons.append(f"{label}: {match}")
    return True, tuple(reasons[:6])


# --------------------------------------------------------------------------------------------------------------
# Blocks → claims
# --------------------------------------------------------------------------------------------------------------

_TRIVIAL = re.compile(r"^[\W_]*$|^(?:edit|References|参考文献|出典)$", re.IGNORECASE)
_INLINE_TAIL_MARKERS = re.compile(rf"(?:\s*{_MARKER})+\s*(?:edit)?\s*$")


def claims_from_blocks(blocks: Iterable[ProseBlock]) -> list[Claim]:
    """One Claim per sentence of every block, with the citations and links that fall in the sentence."""
    claims: list[Claim] = []
    for block_index, block in enumerate(blocks):
        sentences = _split(block.text, (offset for offset, _ in block.citations))
        for number, sentence in enumerate(sentences):
            # Anything between this sentence and the next (a stripped marker's offset) belongs to this sentence.
            until = sentences[number + 1].start if number + 1 < len(sentences) else len(block.text) + 1
            claim = _claim(block, block_index, sentence, until)
            if claim is not None:
                claims.append(claim)
    return claims


def _claim(block: ProseBlock, block_index: int, sentence: _Sentence, until: int) -> Claim | None:
    # The claim's text is the sentence's own words: the trailing `Impress Watch[3]` is carried by `refs`.
    text = _INLINE_TAIL_MARKERS.sub("", block.text[sentence.start:sentence.body_end]).strip()
    if not re.search(r"\w", re.sub(r"\bedit$", "", text)) or _TRIVIAL.match(text):
        return None
    worthy, reasons = check_worthiness(text)
    return Claim(
        text=text,
        line=block.line + block.text.count("\n", 0, sentence.start),
        refs=tuple(dict.fromkeys(ref for offset, ref in block.citations if sentence.start <= offset < until)),
        urls=tuple(dict.fromkeys(url for offset, url in block.links if sentence.start <= offset < until)),
        speaker=block.speaker,
        check_worthy=worthy,
        reasons=reasons,
        block=block_index,
    )
