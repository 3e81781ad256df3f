"""Sentence splitting, citation attachment and check-worthiness (refcheck.extract.claims)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from refcheck.documents import read_document
from refcheck.extract import extract
from refcheck.extract.claims import check_worthiness, claims_from_blocks, split_sentences
from refcheck.models import ProseBlock
from tests.conftest import SAMPLE_EXPORT, need_shared

LABELLED = Path(__file__).resolve().parents[1] / "fixtures" / "claims" / "checkworthy.jsonl"


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("その理解で的確だ。 今回の計画の核心は利活用にある。", ["その理解で的確だ。", "今回の計画の核心は利活用にある。"]),
        ("本当ですか？はい！そうです。", ["本当ですか？", "はい！", "そうです。"]),
        ("彼は「明日行く。必ず行く。」と言った。そして帰った。", ["彼は「明日行く。必ず行く。」と言った。", "そして帰った。"]),
        ("主軸は（注：速報値。）利活用だ。次へ。", ["主軸は（注：速報値。）利活用だ。", "次へ。"]),
        ("学術的な文体です．次の文です．", ["学術的な文体です．", "次の文です．"]),
        ("増加率は１．５倍だった。", ["増加率は１．５倍だった。"]),
        ("詳しくは https://example.jp/a.html?x=1 を参照。以上。", ["詳しくは https://example.jp/a.html?x=1 を参照。", "以上。"]),
        ("発表は2020.次に移る。", ["発表は2020.", "次に移る。"]),
    ],
)
def test_japanese_sentences(text, expected):
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Smith paid $2.5 billion. It closed.", ["Mr. Smith paid $2.5 billion.", "It closed."]),
        ("The U.S. economy grew, e.g. in Ohio. Then it fell.", ["The U.S. economy grew, e.g. in Ohio.", "Then it fell."]),
        ("See https://example.com/a.b?x=1 for v1.2.3 of No. 5. Next one.",
         ["See https://example.com/a.b?x=1 for v1.2.3 of No. 5.", "Next one."]),
        ("He said no. Then he left.", ["He said no.", "Then he left."]),
        ("J. R. Smith wrote it. Really?! Yes.", ["J. R. Smith wrote it.", "Really?!", "Yes."]),
        ("He said “It is over.” Then he left.", ["He said “It is over.”", "Then he left."]),
        ("Sales rose 3.7% in 2023. approx. twice as much.", ["Sales rose 3.7% in 2023. approx. twice as much."]),
    ],
)
def test_english_sentences(text, expected):
    assert sentences(text) == expected


def test_line_breaks_split_only_at_list_or_line_structure():
    text = "The company announced\nthat it would expand. Another line.\n結果として、\n- 一つ目の項目\n- 二つ目の項目\n見出し\n本文です。"
    assert sentences(text) == [
        "The company announced\nthat it would expand.",
        "Another line.",
        "結果として、",
        "一つ目の項目",
        "二つ目の項目",
        "見出し",
        "本文です。",
    ]


def test_markers_after_the_stop_belong_to_the_sentence_before():
    assert sentences("It grew in 2020.[3] Then it fell.[4][5]") == ["It grew in 2020.[3]", "Then it fell.[4][5]"]
    assert sentences("…推進しています。デジタル庁[2]") == ["…推進しています。デジタル庁[2]"]
    # a trailing clause with a marker is a sentence of its own, not a source label
    assert sentences("導入した。同社は2026年に展開する[3]") == ["導入した。", "同社は2026年に展開する[3]"]


def block(text: str, **fields) -> ProseBlock:
    """A block as the text reader makes it: every `[N]` in the text is a citation at its offset."""
    import re

    citations = tuple((m.start(), m.group(1)) for m in re.finditer(r"\[(\d+)\]", text))
    return ProseBlock(text=text, line=fields.pop("line", 10), citations=citations, **fields)


def test_site_label_and_marker_attach_to_the_preceding_sentence():
    item = ("国内モデルの採用も進行中 デジタル庁は「源内」に組み込む検討も進めています。具体例として「PLaMo Translate」 を導入し、"
            "2026年以降他省庁にも展開する計画があります。Impress Watch[3]")
    claims = claims_from_blocks([block(item, speaker="assistant")])
    assert [claim.text for claim in claims] == [
        "国内モデルの採用も進行中 デジタル庁は「源内」に組み込む検討も進めています。",
        "具体例として「PLaMo Translate」 を導入し、2026年以降他省庁にも展開する計画があります。",
    ]
    assert [claim.refs for claim in claims] == [(), ("3",)]
    assert {claim.speaker for claim in claims} == {"assistant"}


def test_label_attaches_when_the_reader_took_the_marker_out():
    text = "行政向けに開発を推進しています。デジタル庁"
    claims = claims_from_blocks([ProseBlock(text=text, line=3, citations=((len(text), "2"),))])
    assert [(claim.text, claim.refs) for claim in claims] == [("行政向けに開発を推進しています。", ("2",))]


def test_claim_lines_links_and_blocks():
    first = ProseBlock(text="Intro line.\nNvidia reported revenue of $22.1 billion https://example.com/r today.", line=40,
                       links=((52, "https://example.com/r"),))
    second = block("第二段落です。売上は12%増えた[7]。", line=50)
    claims = claims_from_blocks([first, second])
    assert [(claim.line, claim.block) for claim in claims] == [(40, 0), (41, 0), (50, 1), (50, 1)]
    assert claims[1].urls == ("https://example.com/r",) and claims[0].urls == ()
    assert claims[3].refs == ("7",) and claims[2].refs == ()


def test_trivial_fragments_are_skipped():
    assert claims_from_blocks([ProseBlock(text="→ ・ edit", line=1)]) == []


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("経済産業省が5年で1兆円規模の支援を予定している。", "number: 1兆円"),
        ("SoftBank GroupとしてOpenAIへの投資(数十億ドル規模)を表明した。", "number: 数十億ドル"),
        ("人員は100人程度だった。", "number: 100人"),
        ("Microsoft announced a $10 billion investment in OpenAI.", "number: $10 billion"),
        ("Unemployment fell to 3.7% in November, the bureau reported.", "number: 3.7%"),
        ("NTTは独自の言語モデルの提供を開始した。", "name: NTT"),
        ("デジタル庁は政府用AI基盤の構築を進めている。", "name: デジタル庁"),
        ("The Digital Agency was established in September 2021.", "date: September 2021"),
    ],
)
def test_factual_sentences_are_check_worthy_with_reasons(sentence, reason):
    worthy, reasons = check_worthiness(sentence)
    assert worthy and reason in reasons


@pytest.mark.parametrize(
    "sentence",
    [
        "その理解で的確だ。",
        "その指摘は妥当だ。",
        "はい。",
        "政府はもっと研究開発に投資すべきだと思います。",
        "1兆円を投じるなら、人材育成に回すべきだ。",
        "長期的には、この差はさらに広がる可能性がある。",
        "結論として、その評価は論理的に成立している。",
        "何か他に知りたいことはありますか？",
        "I think the government should focus on talent.",
        "We should spend $1 trillion on research instead.",
        "Would you like me to draft an email?",
        "In short, both approaches have their merits.",
        "Arguably, the strategy lacks focus.",
        "gpt-5-2",  # an export's header lines: numbers, but fragments
        "Openai/6a3f1c2e-5b7d-4e90-a1b2-c3d4e5f60718",
    ],
)
def test_opinions_questions_and_discourse_are_not(sentence):
    assert check_worthiness(sentence) == (False, ())


def test_labelled_set_precision_and_recall_on_its_test_half():
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 150 and {row["lang"] for row in rows} == {"ja", "en"}
    test = [row for row in rows if row["split"] == "test"]
    predicted = [(check_worthiness(row["text"])[0], row["label"] == 1) for row in test]
    true_positives = sum(1 for guess, truth in predicted if guess and truth)
    precision = true_positives / sum(1 for guess, _ in predicted if guess)
    recall = true_positives / sum(1 for _, truth in predicted if truth)
    # measured 0.947 / 0.973 (docs/benchmarks.md); the floor leaves room for one or two sentences to flip
    assert precision >= 0.92 and recall >= 0.95, (precision, recall)


def test_sample_export_claims_carry_their_markers():
    document = read_document(need_shared(SAMPLE_EXPORT))
    claims = claims_from_blocks(extract(document).blocks)
    by_ref = {ref: claim for claim in claims for ref in claim.refs}
    assert by_ref["3"].text.endswith("他省庁にも展開する計画があります。") and by_ref["3"].line == 29
    assert by_ref["2"].text.endswith("基盤をつくろうとする動きです。")
    assert by_ref["9"].text == "政府の支援策の主要プレイヤーとして名前が挙がっています。"
    assert not any("Impress Watch" in claim.text or "TBS NEWS DIG" in claim.text for claim in claims)
    amounts = next(claim for claim in claims if claim.text.startswith("国産技術については、2兆円規模"))
    assert amounts.speaker == "user" and amounts.check_worthy and "number: 2兆円" in amounts.reasons
    assert not next(claim for claim in claims if claim.text == "その指摘は妥当だ。").check_worthy
    assert next(claim for claim in claims if claim.text == "その指摘は妥当だ。").line == 11


# --------------------------------------------------------------------------------------------------------------
# The fast paths give exactly the results of the plain ones
# --------------------------------------------------------------------------------------------------------------

from refcheck.extract import claims as claims_module  # noqa: E402
from tests.conftest import CORPORA  # noqa: E402


def _random_texts(alphabet: list[str], count: int, seed: int) -> list[str]:
    import random

    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 30))) for _ in range(count)]


@pytest.mark.parametrize(
    ("alternatives", "flags"),
    [
        # order matters where alternatives share a start: `in` must still win over `in my view` when it is first
        ("in|in my view|I think|it'?s possible|seems?|appears? to|will|won't|would|'ll", re.IGNORECASE),
        (r"announc\w*|a|an|and|plans? to|planned|cut|cuts|up", re.IGNORECASE),
        ("発表|表明|発売|(?:開発|推進)(?:し|した)|発足|開|たい(?:[。．]|$)|といい[。．]?$|と思", 0),
        (r"\bx|xa|xb|[xy]z|x", 0),  # kept alternatives (escape, class) stay between the groups
        ("I|i|ı|İ|s|ſ|k|\u212a|kelvin|Kelvin", re.IGNORECASE),  # letters that fold onto each other
        ("kelvin|keep|sure|is|it|KEY", re.IGNORECASE),  # all plain: the first-character lookahead must fold the same
    ],
)
def test_one_of_matches_exactly_like_the_plain_alternation(alternatives, flags):
    ignore_case = bool(flags & re.IGNORECASE)
    plain = re.compile(f"(?:{alternatives})", flags)
    grouped = re.compile(claims_module._one_of(alternatives, ignore_case=ignore_case), flags)
    alphabet = sorted(set(alternatives.replace("\\", "") + "ISKN \u212as'ſıİ .。．\n"))
    for text in _random_texts(alphabet + alternatives.split("|"), 3000, seed=len(alternatives)):
        assert [m.span() for m in grouped.finditer(text)] == [m.span() for m in plain.finditer(text)], text


def test_one_of_groups_by_first_character():
    assert claims_module._one_of("発表|表明|発売") == "(?:発(?:表|売)|表明)"
    # an optional first character cannot lead a group
    assert claims_module._one_of("s?x|sy") == "(?:s?x|sy)"


def test_regex_whitespace_is_str_isspace():
    # The splitter finds the first non-space character with `\S` where it used `str.lstrip`, and tests blank
    # stretches with `\s*`: both rest on `\s` meaning exactly str.isspace(), for every code point.
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert re.findall(r"\s", every) == [char for char in every if char.isspace()]


def test_japanese_halves_are_caseless():
    # The presence halves compile the Japanese words without IGNORECASE: only right when they have no case.
    assert all(char.lower() == char.upper() for char in claims_module._CHAT_WORDS_JA_LIST)
    with pytest.raises(ValueError):
        claims_module._bilingual("Ａ", "a")


def _corpus_sentences() -> list[str]:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    texts = [row["text"] for row in rows]
    claimbuster = CORPORA / "claimbuster" / "two_class" / "test.json"
    if claimbuster.exists():
        texts += [row["text"] for row in json.loads(claimbuster.read_text(encoding="utf-8"))]
    alphabet = ["Mr.", " ", "2.5", "$", "1兆円", "I think", "。", "「源内」", "[3]", "should", "announced", "will", "?",
                "デジタル庁", "です", "ありがとう", "ſ", "İ", "K", "NASA", "In", "Thanks", "\n", "2020年", "last year"]
    return texts + _random_texts(alphabet, 1500, seed=7)


def _reasons_from(features: dict[str, list[str]]) -> tuple[str, ...]:
    reasons, seen = [], []
    for feature, label in (("amount", "number"), ("number", "number"), ("date", "date"), ("name", "name"), ("verb", "verb")):
        for match in features.get(feature, ()):
            if not any(match in earlier for earlier in seen):
                seen.append(match)
                reasons.append(f"{label}: {match}")
    return tuple(reasons[:6])


def test_check_worthiness_agrees_with_the_full_feature_score():
    # check_worthiness stops early and caches; its verdict and reasons must be those of the full score.
    check_worthiness.cache_clear()
    for text in _corpus_sentences():
        features = claims_module.sentence_features(text)
        worthy = claims_module.claim_score(text) >= 0
        assert check_worthiness(text) == ((True, _reasons_from(features)) if worthy else (False, ())), text


def test_japanese_is_decided_by_the_rule_and_english_by_the_model():
    japanese = "経済産業省が5年で1兆円規模の支援を予定している。"
    assert claims_module.claim_score(japanese) == claims_module.check_score(claims_module.sentence_features(japanese))
    english = "Unemployment fell to 3.7% in November, the bureau reported."
    model = claims_module._english_model()
    expected = model.bias + sum(model.terms.get(term, 0.0) for term in claims_module.english_terms(english))
    expected += sum(model.rule[name] for name in claims_module.sentence_features(english))
    assert claims_module.claim_score(english) == pytest.approx(expected)
    assert claims_module.claim_score(english) != pytest.approx(
        claims_module.check_score(claims_module.sentence_features(english))
    )


def test_english_model_is_compact_and_weighs_the_rule_features():
    model = claims_module._english_model()
    assert 1000 <= len(model.terms) <= 5000
    assert set(model.rule) == set(claims_module.WEIGHTS)
    # the learned signs agree with the rule's where the evidence is strong
    assert model.rule["amount"] > 0 and model.rule["verb"] > 0 and model.rule["question"] < 0
    assert model.rule["opinion"] < 0


def test_english_terms_are_words_bigrams_and_number_shapes():
    terms = claims_module.english_terms("In 2019, unemployment fell 3.5% and $4,000 was spent; we don’t know 12.")
    assert {"<year>", "<pct>", "<money>", "<num>", "fell <pct>", "in <year>", "<s> in", "we don't"} <= terms
    assert not any(any(char.isdigit() for char in term) for term in terms)


def test_check_worthiness_cache_is_clearable_and_stable():
    sentence = "政府は計画を策定したと報じられた。"
    first = check_worthiness(sentence)
    check_worthiness.cache_clear()
    assert check_worthiness(sentence) == first
    assert first[0] and "verb: 策定" in first[1]


def test_refs_and_lines_with_many_sentences_and_unordered_offsets():
    text = "".join(f"Line {n} rose 5% in 2020.\n" for n in range(30))
    starts = [m.start() for m in re.finditer("Line", text)]
    ordered = ProseBlock(text=text, line=100, citations=tuple((start + 3, str(n)) for n, start in enumerate(starts)))
    # out of order, refs keep the block's order: "4" comes before the later "x" in the tuple
    unordered = ProseBlock(text=text, line=100, citations=tuple(reversed(ordered.citations)) + ((starts[4] + 1, "x"),))
    for block_, expected_fifth in ((ordered, ("4",)), (unordered, ("4", "x"))):
        claims = claims_from_blocks([block_])
        assert [claim.line for claim in claims] == list(range(100, 130))
        assert [claim.refs for claim in claims][:4] == [(str(n),) for n in range(4)]
        assert claims[4].refs == expected_fifth
        assert claims[-1].refs == ("29",)


def test_a_url_alone_is_neither_a_fact_nor_a_claim():
    from refcheck.extract import extract
    from refcheck.models import Document, Format

    text = "User: 国産モデルの開発支援はどうなっている？ edit\n国産モデルの開発支援はどうなっている？ → https://www.example.jp/articles/2026/11/plan.html\n"
    claims = extract(Document("a.txt", Format.TEXT, text)).claims
    assert all("2026" not in reason and "11" not in reason for c in claims for reason in c.reasons)
    assert not any(c.text.startswith("→") for c in claims)


def _precision_recall(rows: list[tuple[str, int]]) -> tuple[float, float]:
    guesses = [(check_worthiness(text)[0], bool(label)) for text, label in rows]
    true_positives = sum(1 for guess, truth in guesses if guess and truth)
    predicted = sum(1 for guess, _ in guesses if guess)
    return true_positives / max(predicted, 1), true_positives / sum(1 for _, truth in guesses if truth)


def test_claimbuster_test_meets_the_issue_aim():
    # measured once, after the model was fixed on train: P 0.894, R 0.746; after issue 16's rules P 0.895, R 0.749
    # (docs/benchmarks.md); aim P 0.88, R 0.70
    path = need_shared(CORPORA / "claimbuster" / "two_class" / "test.json")
    rows = [(row["text"], row["label"]) for row in json.loads(path.read_text(encoding="utf-8"))]
    precision, recall = _precision_recall(rows)
    assert precision >= 0.88 and recall >= 0.70, (precision, recall)


def test_citation_needed_recall_meets_the_issue_aim():
    import csv

    path = need_shared(CORPORA / "citation-needed" / "redi2019-citation-reason" / "citation_reason.csv")
    csv.field_size_limit(10**7)
    with path.open(encoding="utf-8", newline="") as handle:
        sentences = [row["statement"].strip() for row in csv.DictReader(handle, delimiter="\t")]
    recall = sum(1 for sentence in sentences if check_worthiness(sentence)[0]) / len(sentences)
    assert recall >= 0.80, recall  # measured 0.817


# ----------------------------------------------------------------------------------------------------------------
# Issue 16: what people would not source — modality, evaluations, questions, discourse, headings, fragments — and
# what they would: amounts, dates, who did/decided/funded/announced what, reported events. Both languages.
# (None of these sentences is in tests/fixtures/claims/chat_checkworthy.jsonl.)

NOT_CLAIMS = {
    "prediction (〜そうだ)": ["政府の方針だと、国産技術の開発は二の次で、米国技術の導入ばかりが推進されそうだ。",
                          "円安が続けば、来年は訪日客がさらに増えそうです。"],
    "prediction (〜だろう/でしょう)": ["来年度の一般会計予算は120兆円を超えるだろう。",
                                "A new administration would likely renegotiate some of these grants."],
    "possibility (〜かもしれない)": ["国内の生成AI市場は2030年に3兆円に達するかもしれない。",
                                "Honestly, the plan might work if interest rates fall."],
    "obligation (〜べき)": ["政府はAI研究にあと1兆円を投じるべきだ。",
                          "Regulators should require every lab to publish its training data."],
    "opinion (〜と思う)": ["日本の大学への研究投資は、米国の大学の10分の1しかないと思います。",
                         "I think subsidies like this are a waste of taxpayer money."],
    "evaluation (〜と言える, 〜に過ぎない)": ["この決定は、エネルギー政策の大きな転換点と言える。",
                                        "今回の補助金は、必要額全体の一部に過ぎない。",
                                        "研究者が数千人規模いなければ話にならない。",
                                        "Great question — this confuses a lot of people."],
    "evaluation of a plan": ["デジタル庁の計画は、見当違いの方向を向いている。",
                             "AI戦略本部のAI基本計画は、利用のことばかりを考えていて、開発のことを考えていない。"],
    "recommendation": ["最新の数字は、財務省の統計で確認するのがよいでしょう。",
                       "Please check the latest figures on the ministry's website.",
                       "Lower the pasta into salted water and cook it for nine minutes."],
    "question": ["政府は本当に1兆円も出すのですか？", "Did the government really spend more than it needed to?"],
    "discourse": ["簡潔に言えば、政府の方針は開発より利活用が中心です。", "以下、ポイントを整理します。",
                  "In short, it was an expensive insurance policy."],
    "heading": ["課題と今後のリスク", "Key caveats"],
    "list fragment": ["政府補助金1兆円は 設備投資補助", "10年スパンの恒常的予算",
                      "世界最高の頭脳が日本で研究・開発する環境を作ること", "「国産AI開発」を看板に掲げつつ",
                      "Cheaper models for the Chinese market", "Emotion recognition at work and in schools"],
}
CLAIMS = {
    "amount + who decided": ["経済産業省は2024年度にラピダスへ5,900億円の追加支援を決定した。",
                             "In 2024 the Commerce Department finalized a grant of up to $6.6 billion to TSMC."],
    "statistic": ["市の発表では、2023年度の来場者は約120万人でした。",
                  "The bureau said unemployment fell to 3.9% in March."],
    "reported statement (modality inside the quote)": ["石破首相は「日本はAIに1兆円を投じるべきだ」と述べた。",
                                                        "The minister said the country should cut emissions by 40% by 2030."],
    "hearsay (〜するそうだ)": ["報道によると、A社は2025年に日本市場から撤退するそうだ。"],
    "list item giving a figure": ["JASMの従業員数:約1,700人(2024年末時点)", "Texas: Samsung, up to $4.745 billion"],
    "news-style ending on a reporting noun": ["トヨタ自動車は2024年に新型EVを発売。"],
    "plan as a fact": ["同社は2027年に量産を始める計画を公表している。"],
}


@pytest.mark.parametrize(("kind", "sentence"), [(k, s) for k, group in NOT_CLAIMS.items() for s in group])
def test_what_nobody_would_source_is_not_check_worthy(kind, sentence):
    assert check_worthiness(sentence) == (False, ()), kind


@pytest.mark.parametrize(("kind", "sentence"), [(k, s) for k, group in CLAIMS.items() for s in group])
def test_facts_stay_check_worthy(kind, sentence):
    worthy, reasons = check_worthiness(sentence)
    assert worthy and reasons, kind


@pytest.mark.parametrize(
    ("sentence", "feature", "present"),
    [
        ("推進されそうだ。", "modal", True),
        ("撤退するそうだ。", "modal", False),  # hearsay: what was reported
        ("投じるべきだと述べた。", "modal", False),  # the duty is the speaker's, the sentence reports it
        ("そうですね、確かに高いですね。", "modal", False),
        ("増えるかもしれませんね。", "modal", True),
        ("送電網整備の費用負担", "fragment", True),
        ("モデル改変・チューニング・運用設計まで", "fragment", True),
        ("従業員数:約1,700人(2024年末時点)", "fragment", False),
        ("新型車を発売。", "fragment", False),
        ("「…」という計画。", "fragment", True),
        ("Strong plug-in hybrid sales", "fragment", True),
        ("Sales rose 3% in May", "fragment", False),  # a verb
        ("Arizona: more than $14 billion in awards", "fragment", False),  # a figure
    ],
)
def test_modality_and_fragments_are_read_off_the_end(sentence, feature, present):
    assert (feature in claims_module.sentence_features(sentence)) is present


def test_a_plan_counts_only_as_a_verb():
    assert "verb" not in claims_module.sentence_features("デジタル庁の計画は見直しが必要だ。")
    assert "verb" in claims_module.sentence_features("新工場を2027年に稼働させる計画だ。")
    assert claims_module.sentence_features("2026年以降、他省庁にも広げる予定です。")["verb"] == ["予定"]


def test_ten_thousand_yen_or_less_is_a_limit_not_the_assistant_talking():
    assert "chat" not in claims_module.sentence_features("違反すると10万円以下の罰金の対象です。")
    assert "chat" in claims_module.sentence_features("以下の3点に整理します。")


def test_sample_export_uncited_claims_are_the_factual_ones():
    from refcheck.rules.claims import uncited_claim_findings

    document = read_document(need_shared(SAMPLE_EXPORT))
    flagged = [f.evidence["sentence"] for f in uncited_claim_findings(extract(document).claims)]
    # 25 before issue 16; 12 when it was done (docs/benchmarks.md)
    assert len(flagged) <= 14, flagged
    assert "政府がAI戦略本部でAI基本計画を策定した。" in flagged
    assert any("2兆円規模の開発を予定し" in sentence for sentence in flagged)
    for opinion in ("推進されそうだ", "見当違いの方向", "政府補助金1兆円は", "話にならない", "環境を作ること"):
        assert not any(opinion in sentence for sentence in flagged), opinion


CHAT_SET = Path(__file__).resolve().parents[1] / "fixtures" / "claims" / "chat_checkworthy.jsonl"


def test_chat_set_is_labelled_with_reasons_and_split_by_conversation():
    rows = [json.loads(line) for line in CHAT_SET.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 400 and all(row["reason"].strip() for row in rows)
    assert {row["lang"] for row in rows} == {"ja", "en"} and {row["speaker"] for row in rows} == {"assistant", "user", "article"}
    held_out = [row for row in rows if row["split"] == "heldout"]
    assert len(held_out) >= 0.4 * len(rows)
    groups = {}
    for row in rows:
        groups.setdefault(row["group"], set()).add(row["split"])
    assert all(len(splits) == 1 for splits in groups.values())  # a conversation is never on both sides


def test_a_space_after_a_finished_japanese_predicate_ends_a_sentence_that_lost_its_stop():
    # ChatGPT's bold lead phrase, copied without its markup, runs into its paragraph
    text = "寄与する可能性がある 政府の支援策に名が挙がることで、中心的な役割を担いつつあります。"
    assert sentences(text) == ["寄与する可能性がある", "政府の支援策に名が挙がることで、中心的な役割を担いつつあります。"]
    # a space after a particle or inside a noun phrase is layout, not a stop
    assert sentences("政府補助金1兆円は 設備投資補助") == ["政府補助金1兆円は 設備投資補助"]
    assert sentences("今回の方針は 「AIの利活用」を前提にした構図 であり、開発は後回しだ。") == [
        "今回の方針は 「AIの利活用」を前提にした構図 であり、開発は後回しだ。"]
    assert not check_worthiness("公的支援と組み合わせることで国産AI開発に寄与する可能性がある")[0]


def test_chat_set_held_out_part_meets_the_issue_aim():
    # scored at the end of each round of rules fixed on the dev part: P 0.956 / R 0.929, then 0.957 / 0.943 on chat
    # answers + user turns (docs/benchmarks.md); the issue's aim is P >= 0.85 at R >= 0.80
    rows = [json.loads(line) for line in CHAT_SET.read_text(encoding="utf-8").splitlines()]
    chat = [(row["text"], row["label"]) for row in rows if row["split"] == "heldout" and row["speaker"] != "article"]
    precision, recall = _precision_recall(chat)
    assert precision >= 0.85 and recall >= 0.80, (precision, recall)


@pytest.mark.parametrize(
    "sentence",
    [
        # found by reading real LLM answers (JHARS dev half) after the first version of the rules
        "まず、1960年代には、白黒テレビが一般家庭の9割に広まりました。",  # sequencing, not a summary
        "次に、1958年に東京タワーが竣工しました。",
        "軽自動車は全長3,400 mm以下、定員4名以下という条件を満たす必要があります。",  # a rule, not advice
        "盆地は火星表面の約40%を占めており、巨大な衝突の結果である可能性があります。",  # the hedge scopes its clause
        "検察官として5年以上在職した者。",  # a past relative clause: a condition a reader can check
    ],
)
def test_sequencing_rules_and_hedged_last_clauses_keep_their_facts(sentence):
    assert check_worthiness(sentence)[0]


def test_summaries_and_list_announcements_are_the_assistant_talking():
    assert not check_worthiness("要するに、政府の支援は半導体に偏っているということです。")[0]
    assert "chat" in claims_module.sentence_features("誘導灯が緑色である理由は、主に以下の2点に起因しています。")


def test_without_prose_keeps_only_the_blocks_that_cite_one_reference_and_every_claims_block_index(tmp_path):
    from refcheck.extract import without_prose

    path = tmp_path / "answer.txt"
    path.write_text("Assistant: Here is a summary. edit\n- The council met on Monday in Leeds.\n"
                    "- Acme raised $5 million in 2024. It will hire 40 engineers. Reuters[1]\n"
                    "- Both firms grew 20% in 2023.[1][2]\nReferences edit\n"
                    '- ↑ "Reuters". Reuters. Retrieved 2025-12-26.\n- ↑ "BBC". BBC. Retrieved 2025-12-26.\n',
                    encoding="utf-8")
    full = extract(read_document(path))
    lean = without_prose(full)
    assert lean.claims == full.claims and len(lean.blocks) == len(full.blocks)
    # The item citing only [1] is kept whole: its first sentence, which carries the facts, has no marker.
    assert [block.text for block in lean.blocks if block.text] == [
        "Acme raised $5 million in 2024. It will hire 40 engineers. Reuters[1]"]
    for claim in lean.claims:  # every claim's block index still points at its own item (or the empty stand-in)
        assert lean.blocks[claim.block].text in ("", full.blocks[claim.block].text)
    assert {claim.block for claim in lean.claims if lean.blocks[claim.block].text} == {
        claim.block for claim in full.claims if "Acme" in claim.text}
    assert without_prose(lean) == lean
