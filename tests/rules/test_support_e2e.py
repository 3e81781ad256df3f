"""Claim verdicts through the whole pipeline on a loopback server (issue 16): a supported claim gives nothing, a claim
whose source lacks a key fact gives `partly-supported-claim` (info) naming it, a contradicted or unrelated claim gives
`unsupported-claim` (warning), a cited sentence is checked whatever its check-worthiness, and of the uncited sentences
only the facts are `uncited-claim`."""

from __future__ import annotations

import pytest

from refcheck.models import Severity
from tests.answers import check_answer
from tests.webserver import Reply, WebServer

ARTICLE_JA = (
    "<html><head><title>半導体支援、追加で5,900億円</title></head><body><article><h1>半導体支援、追加で5,900億円</h1>"
    "<p>経済産業省は2024年4月、ラピダスに対し最大5,900億円の追加支援を決定したと発表した。</p>"
    "<p>同社は北海道千歳市に工場を建設しており、2027年の量産開始を目指している。支援の累計は約9,200億円となる。</p>"
    "<p>斎藤健経済産業相は記者会見で、国内で先端半導体を作る意義を強調した。</p></article></body></html>"
)
ARTICLE_EN = (
    "<html><head><title>Storm knocks out power</title></head><body><article><h1>Storm knocks out power</h1>"
    "<p>Hurricane Milton made landfall near Siesta Key, Florida, on Oct. 9, 2024, as a Category 3 storm.</p>"
    "<p>More than 3 million homes and businesses lost power, according to PowerOutage.us. The storm spawned "
    "dozens of tornadoes before it reached the coast.</p></article></body></html>"
)
WEATHER = (
    "<html><head><title>Weather</title></head><body><article><h1>Weekend weather</h1>"
    "<p>Sunny skies are expected across the region on Saturday, with light winds and mild temperatures in the "
    "afternoon. Rain returns on Sunday evening.</p></article></body></html>"
)


def answer(server: WebServer) -> list[str]:
    return [
        "User: 半導体支援について教えて edit",
        "Assistant: 回答 edit",
        "経済産業省は2024年4月、ラピダスに最大5,900億円の追加支援を決定した。[1]",  # 3: supported
        "同社は北海道千歳市に工場を建設しており、2027年の量産開始と1,500人の雇用を目指している。[1]",  # 4: 1,500人 missing
        "経済産業省は2024年4月、ラピダスに3,000億円の追加支援を決定した。[1]",  # 5: contradicted
        "More than 3 million homes and businesses lost power when Hurricane Milton hit Florida. [2]",  # 6: supported
        "Hurricane Milton made landfall near Sarasota as a Category 3 storm, Governor DeSantis said. [2]",  # 7
        "This decision should be applauded by everyone. [3]",  # 8: an opinion that cites a source: checked
        "政府の方針だと、国産技術の開発は二の次で、米国技術の導入ばかりが推進されそうだ。",  # 9: a guess, uncited
        "政府は2025年度の補正予算で、AI関連に約1.5兆円を計上した。",  # 10: a fact, uncited
        "References edit",
        f'- ↑ "半導体支援、追加で5,900億円". 経済新報. {server.url("/ja")}',
        f'- ↑ "Storm knocks out power". Gulf News. {server.url("/en")}',
        f'- ↑ "Weekend weather". Weather Desk. {server.url("/weather")}',
    ]


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    routes = {"/ja": Reply(200, ARTICLE_JA), "/en": Reply(200, ARTICLE_EN), "/weather": Reply(200, WEATHER)}
    report = check_answer(tmp_path_factory.mktemp("support-e2e"), routes, answer)
    return [f for f in report.documents[0].findings if f.rule.endswith("-claim")]


def at(findings, line: int) -> list:
    return [(f.rule, f.severity) for f in findings if f.line == line]


def test_supported_claims_give_nothing(findings):
    assert at(findings, 3) == [] and at(findings, 6) == []


def test_a_missing_key_fact_is_named_at_info_level(findings):
    assert at(findings, 4) == [("partly-supported-claim", Severity.INFO)]
    (partly,) = [f for f in findings if f.line == 4]
    assert partly.evidence["missing"] == ["1,500人"] and "missing from the source: 1,500人" in partly.message
    english = [f for f in findings if f.line == 7]
    assert [(f.rule, f.severity) for f in english] == [("partly-supported-claim", Severity.INFO)]
    assert set(english[0].evidence["missing"]) == {"Sarasota", "Governor DeSantis"}


def test_a_contradicted_number_is_a_warning(findings):
    assert at(findings, 5) == [("unsupported-claim", Severity.WARNING)]
    (wrong,) = [f for f in findings if f.line == 5]
    assert wrong.evidence["contradictions"] == [["3,000億円", "5,900億円"]]


def test_a_cited_opinion_is_checked_too(findings):
    assert at(findings, 8) == [("unsupported-claim", Severity.WARNING)]


def test_only_the_uncited_fact_is_an_uncited_claim(findings):
    assert at(findings, 9) == []
    assert at(findings, 10) == [("uncited-claim", Severity.WARNING)]

