"""Resolution benchmark: 48 references without a URL against a simulated web of ten news sites, with the truth.

Two halves on different sites and topics: `dev` (5 sites, 24 references) was looked at while building the
resolver; `heldout` (5 other sites, 24 references) was written before it was first run and is scored once
(docs/resolve.md has the figures). Kinds of reference, in both halves (each case says its kind):
  exact      the article's own title, on its site                                  → found
  variant    the title with a subtitle dropped, a site suffix, full-width marks   → found
  generic    the site's name as the title; the citing sentence carries the facts  → found
  older      an older article, only in a monthly sitemap (not the news sitemap)   → found
  made-up    a headline no article has, next to decoys on the same topic          → not found
  wrong-facts a generic title whose sentence states facts no article has           → not found
  paraphrase the headline reworded (AI answers do this)                          → found (hard: may be missed)
  unlisted   a real article on a site with no sitemap and no feed                  → found (cannot be: a miss)

    python bench/resolve_bench.py dev|heldout|all [--json]

Scores: found-correct (found, and the page is the truth), wrong-found (found, but another page or no page should
be: the goal is zero), missed (a true page exists, not found), not-found precision (of the references left
not-found/ambiguous/not-tried, the share that truly have no page), requests per reference, seconds.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resolve_web import Article, Site, remap, served, write_web  # noqa: E402

RETRIEVED = "2025-12-26"


@dataclass(frozen=True)
class Case:
    kind: str
    title: str  # as cited
    site: str  # as cited
    sentence: str  # the sentence that cites it
    truth: str | None  # the URL of the page it cites, None when there is none


def A(path, title, day, *paragraphs, news=True):  # noqa: N802  (short: the data below is long)
    return Article(path, title, day, tuple(paragraphs), in_news_sitemap=news, in_feed=news)


# ── dev: 毎日新聞, ITmedia, NHK, Reuters, The Verge ──────────────────────────────────────────────────────────────
DEV_SITES = [
    Site("mainichi.jp", "毎日新聞", (
        A("/articles/20251220/k00/00m/010/101000c", "政府、AI基本計画を閣議決定　利活用を柱に", "2025-12-20",
          "政府は20日、AI基本計画を閣議決定した。行政や産業でのAIの利活用を柱に据える。",
          "2030年までに行政手続きの8割でAIを活用する目標を掲げた。"),
        A("/articles/20251218/k00/00m/020/202000c", "AI基本計画の原案、開発支援は手薄との指摘", "2025-12-18",
          "AI基本計画の原案に対し、専門家から開発支援が手薄だとの指摘が出ている。"),
        A("/articles/20251110/k00/00m/030/303000c", "大学のAI研究費、10年で倍増へ", "2025-11-10",
          "文部科学省は大学のAI研究費を10年で倍増させる方針を固めた。年間予算は約400億円となる。", news=False),
        A("/articles/20251222/k00/00m/040/404000c", "生成AIの学校利用、ガイドライン改訂", "2025-12-22",
          "文部科学省は生成AIの学校での利用に関するガイドラインを改訂した。"),
    )),
    Site("www.itmedia.co.jp", "ITmedia NEWS", (
        A("/news/articles/2512/15/news101.html", "さくらインターネット、GPUクラウドを増強　1万基体制に", "2025-12-15",
          "さくらインターネットは15日、GPUクラウドを増強し、NVIDIAのH200を1万基体制にすると発表した。",
          "投資額は約1000億円。2027年3月までに稼働させる。"),
        A("/news/articles/2512/12/news055.html", "国産LLM「tsuzumi 2」提供開始　NTT", "2025-12-12",
          "NTTは12日、国産の大規模言語モデル「tsuzumi 2」の提供を始めた。パラメータ数は300億。"),
        A("/news/articles/2512/16/news077.html", "GPUクラウド各社、値下げ競争", "2025-12-16",
          "GPUクラウドの各社が値下げ競争に入っている。"),
        A("/news/articles/2512/19/news120.html", "NTTドコモ、生成AIで窓口業務を効率化", "2025-12-19",
          "NTTドコモは、生成AIを使って窓口業務を効率化する取り組みを始めた。"),
    )),
    Site("www.nhk.or.jp", "NHK", (
        A("/news/html/20251221/k10014001000.html", "AI戦略本部が初会合　石破首相「世界で最もAIを開発・活用しやすい国に」", "2025-12-21",
          "政府のAI戦略本部が初めての会合を開き、首相は「世界で最もAIを開発・活用しやすい国にする」と述べた。"),
        A("/news/html/20251223/k10014002000.html", "半導体工場の建設、熊本で第2工場着工", "2025-12-23",
          "台湾の半導体大手TSMCは熊本県で第2工場の建設に着手した。総投資額は約2兆9000億円。"),
        A("/news/html/20251219/k10014003000.html", "AI人材の育成　地方大学で新課程", "2025-12-19",
          "地方の国立大学で、AI人材を育成する新たな課程が相次いで設けられている。"),
    )),
    Site("www.reuters.com", "Reuters", (
        A("/technology/softbank-openai-investment-2025-12-18/", "SoftBank completes $22.5 billion investment in OpenAI", "2025-12-18",
          "SoftBank Group said on Thursday it had completed its $22.5 billion follow-on investment in OpenAI.",
          "The investment brings SoftBank's stake in the ChatGPT maker to about 11%."),
        A("/technology/nvidia-japan-data-centers-2025-12-10/", "Nvidia to expand Japan data center partnerships", "2025-12-10",
          "Nvidia plans to expand its partnerships with Japanese data center operators, its chief executive said."),
        A("/markets/japan-stocks-2025-12-22/", "Japan stocks rise on tech rally", "2025-12-22",
          "Japanese shares rose on Monday, led by technology stocks."),
    ), language="en"),
    Site("www.theverge.com", "The Verge", (
        A("/2025/12/17/openai-gpt-5-2-release", "OpenAI releases GPT-5.2 with better reasoning", "2025-12-17",
          "OpenAI released GPT-5.2 on Wednesday, saying the model reasons better on long tasks.",
          "The update is available to ChatGPT Plus subscribers first."),
        A("/2025/12/18/openai-gpt-5-2-hands-on", "Hands-on with GPT-5.2", "2025-12-18",
          "We spent a day with OpenAI's latest model."),
    ), language="en", mode="atom-only"),
]

DEV_CASES = [
    Case("exact", "政府、AI基本計画を閣議決定　利活用を柱に", "毎日新聞", "政府はAI基本計画を閣議決定し、利活用を柱に据えました。",
         "https://mainichi.jp/articles/20251220/k00/00m/010/101000c"),
    Case("generic", "毎日新聞", "毎日新聞", "AI基本計画は、2030年までに行政手続きの8割でAIを活用する目標を掲げています。",
         "https://mainichi.jp/articles/20251220/k00/00m/010/101000c"),
    Case("older", "大学のAI研究費、10年で倍増へ", "毎日新聞", "大学のAI研究費は10年で倍増する見通しです。",
         "https://mainichi.jp/articles/20251110/k00/00m/030/303000c"),
    Case("made-up", "政府、AI開発に10兆円投資へ", "毎日新聞", "政府はAI開発に10兆円を投資します。", None),
    Case("wrong-facts", "毎日新聞", "毎日新聞", "AI基本計画は、2028年までに行政手続きの全てでAIを使うとしています。", None),
    Case("variant", "さくらインターネット、GPUクラウドを増強 - ITmedia NEWS", "ITmedia NEWS",
         "さくらインターネットはGPUクラウドを増強します。", "https://www.itmedia.co.jp/news/articles/2512/15/news101.html"),
    Case("generic", "ITmedia", "ITmedia", "NTTは国産LLM「tsuzumi 2」の提供を始めました。パラメータ数は300億です。",
         "https://www.itmedia.co.jp/news/articles/2512/12/news055.html"),
    Case("made-up", "さくらインターネット、GPU3万基を導入", "ITmedia NEWS", "さくらインターネットはGPUを3万基導入します。", None),
    Case("paraphrase", "さくらネット、NVIDIA H200を1万基に増強", "ITmedia NEWS",
         "さくらインターネットはH200を1万基に増やします。", "https://www.itmedia.co.jp/news/articles/2512/15/news101.html"),
    Case("wrong-facts", "ITmedia", "ITmedia", "NTTドコモは生成AIで窓口を全廃し、5000人を削減します。", None),
    Case("exact", "AI戦略本部が初会合　石破首相「世界で最もAIを開発・活用しやすい国に」", "NHK",
         "首相は「世界で最もAIを開発・活用しやすい国にする」と述べました。",
         "https://www.nhk.or.jp/news/html/20251221/k10014001000.html"),
    Case("generic", "NHKニュース", "NHK", "TSMCは熊本で第2工場の建設に着手し、総投資額は約2兆9000億円です。",
         "https://www.nhk.or.jp/news/html/20251223/k10014002000.html"),
    Case("made-up", "AI人材100万人計画、政府が発表", "NHK", "政府はAI人材を100万人育成する計画を発表しました。", None),
    Case("variant", "AI人材の育成、地方大学で新課程", "NHK", "地方大学でAI人材の新課程ができています。",
         "https://www.nhk.or.jp/news/html/20251219/k10014003000.html"),
    Case("exact", "SoftBank completes $22.5 billion investment in OpenAI", "Reuters",
         "SoftBank finished its follow-on investment in OpenAI.",
         "https://www.reuters.com/technology/softbank-openai-investment-2025-12-18/"),
    Case("generic", "Reuters", "Reuters", "SoftBank's stake in OpenAI is about 11% after a $22.5 billion investment.",
         "https://www.reuters.com/technology/softbank-openai-investment-2025-12-18/"),
    Case("made-up", "SoftBank sells OpenAI stake to Microsoft", "Reuters",
         "SoftBank sold its OpenAI stake to Microsoft.", None),
    Case("wrong-facts", "Reuters", "Reuters", "Nvidia will build 40 data centers in Japan with Toyota by 2027.", None),
    Case("paraphrase", "Nvidia widens partnerships with Japanese data centres", "Reuters",
         "Nvidia is expanding data center partnerships in Japan.",
         "https://www.reuters.com/technology/nvidia-japan-data-centers-2025-12-10/"),
    Case("exact", "OpenAI releases GPT-5.2 with better reasoning", "The Verge", "OpenAI released GPT-5.2.",
         "https://www.theverge.com/2025/12/17/openai-gpt-5-2-release"),
    Case("generic", "The Verge", "The Verge", "GPT-5.2 reaches ChatGPT Plus subscribers first, OpenAI said.",
         "https://www.theverge.com/2025/12/17/openai-gpt-5-2-release"),
    Case("made-up", "OpenAI delays GPT-6 to 2027", "The Verge", "OpenAI delayed GPT-6 to 2027.", None),
    Case("variant", "Hands-on with GPT-5.2: OpenAI's best model yet?", "The Verge", "Reviewers tried GPT-5.2.",
         "https://www.theverge.com/2025/12/18/openai-gpt-5-2-hands-on"),
    Case("wrong-facts", "The Verge", "The Verge", "Anthropic released Claude 5 with a 10 million token context.", None),
]

# ── held-out: 日本経済新聞, 東洋経済オンライン, 経済産業省, Ars Technica, BBC ───────────────────────────────────────
HELDOUT_SITES = [
    Site("www.nikkei.com", "日本経済新聞", (
        A("/article/DGXZQOUA190AB0Z11C25A2000000/", "国産AI新会社、ソフトバンクなど10社が出資　経産省は1兆円支援", "2025-12-19",
          "ソフトバンクやNECなど10社が国産AIの開発を担う新会社に出資する。",
          "経済産業省は5年間で1兆円規模を支援する。新会社は2026年春に設立する。"),
        A("/article/DGXZQOUA170CD0Z11C25A2000000/", "国産AIの開発体制、人材確保が課題", "2025-12-17",
          "国産AIの開発では、トップ研究者の確保が課題になっている。"),
        A("/article/DGXZQOUA011EF0Z11C25A1000000/", "データセンター電力、2030年に倍増の試算", "2025-11-01",
          "国内データセンターの消費電力は2030年に現在の2倍になるとの試算がまとまった。", news=False),
        A("/article/DGXZQOUA210GH0Z11C25A2000000/", "ソフトバンク、国産AIに2兆円投資", "2025-12-21",
          "ソフトバンクは国産AIの開発に2兆円を投じる。中核人員は約100人。"),
    )),
    Site("toyokeizai.net", "東洋経済オンライン", (
        A("/articles/-/912345", "日本のAI人材はなぜ育たないのか", "2025-12-14",
          "日本ではAI研究者の数が米国の10分の1にとどまる。博士課程の進学者も減少している。"),
        A("/articles/-/912400", "生成AIで変わる地方銀行の現場", "2025-12-16",
          "地方銀行で生成AIの導入が進み、融資審査の時間が半分になった例もある。"),
    ), mode="feed-only"),
    Site("www.meti.go.jp", "経済産業省", (
        A("/press/2025/12/20251216001/20251216001.html", "AI基盤モデル開発支援事業の採択結果を公表します", "2025-12-16",
          "経済産業省は、AI基盤モデル開発支援事業の採択結果を公表します。",
          "今回は12件を採択し、計算資源の提供と開発費の補助を行います。"),
        A("/press/2025/12/20251205002/20251205002.html", "半導体・デジタル産業戦略を改定しました", "2025-12-05",
          "経済産業省は半導体・デジタル産業戦略を改定しました。"),
    )),
    Site("arstechnica.com", "Ars Technica", (
        A("/ai/2025/12/google-gemini-3-launch/", "Google launches Gemini 3 with new agent features", "2025-12-09",
          "Google launched Gemini 3 on Tuesday, adding agent features that can operate a browser.",
          "The model is available to developers through the Gemini API."),
        A("/ai/2025/12/ai-data-center-power/", "AI data centers are straining US power grids", "2025-12-12",
          "Utilities say AI data centers could add 50 gigawatts of demand by 2030."),
        A("/gadgets/2025/12/apple-vision-pro-2/", "Apple Vision Pro 2 review", "2025-12-15",
          "Apple's second headset is lighter and cheaper."),
    ), language="en"),
    Site("www.bbc.com", "BBC News", (
        A("/news/articles/c0ai2025uk01", "UK to build national AI supercomputer in Edinburgh", "2025-12-11",
          "The UK government will build a national AI supercomputer in Edinburgh at a cost of £750m."),
        A("/news/articles/c0ai2025uk02", "UK AI safety institute publishes first report", "2025-12-18",
          "The AI Security Institute published its first report on frontier model risks."),
    ), language="en", mode="bare"),
]

HELDOUT_CASES = [
    Case("exact", "国産AI新会社、ソフトバンクなど10社が出資　経産省は1兆円支援", "日本経済新聞",
         "ソフトバンクなど10社が国産AIの新会社に出資します。",
         "https://www.nikkei.com/article/DGXZQOUA190AB0Z11C25A2000000/"),
    Case("generic", "日経", "日本経済新聞", "経済産業省は5年間で1兆円規模を支援し、新会社は2026年春に設立されます。",
         "https://www.nikkei.com/article/DGXZQOUA190AB0Z11C25A2000000/"),
    Case("older", "データセンター電力、2030年に倍増の試算", "日本経済新聞", "データセンターの電力は2030年に倍増します。",
         "https://www.nikkei.com/article/DGXZQOUA011EF0Z11C25A1000000/"),
    Case("made-up", "国産AI新会社、トヨタが筆頭株主に", "日本経済新聞", "トヨタが国産AI新会社の筆頭株主になります。", None),
    Case("wrong-facts", "日本経済新聞", "日本経済新聞", "ソフトバンクは国産AIに5兆円を投じ、中核人員は1000人です。", None),
    Case("generic", "日本経済新聞", "日本経済新聞", "ソフトバンクは国産AIの開発に2兆円を投じ、中核人員は約100人です。",
         "https://www.nikkei.com/article/DGXZQOUA210GH0Z11C25A2000000/"),
    Case("paraphrase", "国産AIの開発、トップ人材の確保が課題に", "日本経済新聞", "国産AIでは人材確保が課題です。",
         "https://www.nikkei.com/article/DGXZQOUA170CD0Z11C25A2000000/"),
    Case("exact", "日本のAI人材はなぜ育たないのか", "東洋経済オンライン", "日本のAI人材が育たない理由が論じられています。",
         "https://toyokeizai.net/articles/-/912345"),
    Case("generic", "東洋経済", "東洋経済オンライン", "地方銀行では生成AIで融資審査の時間が半分になった例があります。",
         "https://toyokeizai.net/articles/-/912400"),
    Case("made-up", "AI研究者、日本は米国の半分", "東洋経済オンライン", "日本のAI研究者数は米国の半分です。", None),
    Case("wrong-facts", "東洋経済オンライン", "東洋経済オンライン", "日本のAI研究者は米国の3倍に増え、博士課程進学者は倍増しました。", None),
    Case("exact", "AI基盤モデル開発支援事業の採択結果を公表します", "経済産業省", "経済産業省は採択結果を公表しました。",
         "https://www.meti.go.jp/press/2025/12/20251216001/20251216001.html"),
    Case("generic", "経済産業省", "経済産業省", "AI基盤モデル開発支援事業では12件が採択され、計算資源の提供と開発費の補助が行われます。",
         "https://www.meti.go.jp/press/2025/12/20251216001/20251216001.html"),
    Case("made-up", "生成AI利用料の補助制度を創設します", "経済産業省", "経済産業省は生成AIの利用料を補助します。", None),
    Case("variant", "半導体・デジタル産業戦略を改定しました (METI/経済産業省)", "経済産業省", "戦略が改定されました。",
         "https://www.meti.go.jp/press/2025/12/20251205002/20251205002.html"),
    Case("exact", "Google launches Gemini 3 with new agent features", "Ars Technica", "Google launched Gemini 3.",
         "https://arstechnica.com/ai/2025/12/google-gemini-3-launch/"),
    Case("generic", "Ars Technica", "Ars Technica", "Utilities expect AI data centers to add 50 gigawatts of demand by 2030.",
         "https://arstechnica.com/ai/2025/12/ai-data-center-power/"),
    Case("made-up", "Google shuts down Gemini API for free users", "Ars Technica",
         "Google shut down the Gemini API for free users.", None),
    Case("wrong-facts", "Ars Technica", "Ars Technica", "Apple Vision Pro 2 costs $999 and weighs 300 grams.", None),
    Case("variant", "Apple Vision Pro 2 review: lighter, cheaper", "Ars Technica", "The Vision Pro 2 is lighter.",
         "https://arstechnica.com/gadgets/2025/12/apple-vision-pro-2/"),
    Case("unlisted", "UK to build national AI supercomputer in Edinburgh", "BBC News",
         "The UK will build an AI supercomputer in Edinburgh for £750m.",
         "https://www.bbc.com/news/articles/c0ai2025uk01"),
    Case("unlisted", "BBC", "BBC News", "The AI Security Institute published its first report on frontier risks.",
         "https://www.bbc.com/news/articles/c0ai2025uk02"),
    Case("made-up", "UK bans AI chatbots in schools", "BBC News", "The UK banned AI chatbots in schools.", None),
    Case("paraphrase", "Gemini 3 arrives with browser-driving agents", "Ars Technica",
         "Gemini 3 can drive a browser.", "https://arstechnica.com/ai/2025/12/google-gemini-3-launch/"),
]

SPLITS = {"dev": (DEV_SITES, DEV_CASES), "heldout": (HELDOUT_SITES, HELDOUT_CASES)}


def document(cases: list[Case]) -> str:
    lines = ["Assistant: 出典付きでまとめます。 edit"]
    lines += [f"- {case.sentence}{case.site}[{number}]" for number, case in enumerate(cases, start=1)]
    lines.append("References edit")
    lines += [f'- ↑ "{case.title}". {case.site}. Retrieved {RETRIEVED}.' for case in cases]
    return "\n".join(lines) + "\n"


def score(split: str) -> dict:
    from refcheck.pipeline import check_paths
    from refcheck.settings import CacheSettings, FetchSettings, ResolveSettings, Settings

    sites, cases = SPLITS[split]
    with tempfile.TemporaryDirectory(prefix="refcheck-resolve-bench-") as folder:
        root = write_web(Path(folder) / "web", sites)
        path = Path(folder) / f"{split}.txt"
        path.write_text(document(cases), encoding="utf-8")
        with served(root) as server:
            settings = Settings(fetch=FetchSettings(allow_private=True, retries=0, remaps=(remap(server),), timeout=5),
                                cache=CacheSettings(directory=Path(folder) / "cache"),
                                resolve=ResolveSettings(enabled=True, resolvers=("site",), interval=0.0))
            started = time.perf_counter()
            report = check_paths([str(path)], settings)
            seconds = time.perf_counter() - started
            requests = server.requests
    verdicts = dict(report.documents[0].resolutions)
    rows = []
    for number, case in enumerate(cases, start=1):
        verdict = verdicts.get(str(number))
        status = verdict.status if verdict is not None else "none"
        url = verdict.url if verdict is not None else None
        if status == "found":
            outcome = "found-correct" if url == case.truth else "wrong-found"
        else:
            outcome = "missed" if case.truth else "correct-not-found"
        rows.append({"ref": number, "kind": case.kind, "status": status, "url": url, "truth": case.truth,
                     "outcome": outcome})
    counts = {name: sum(1 for row in rows if row["outcome"] == name)
              for name in ("found-correct", "wrong-found", "missed", "correct-not-found")}
    not_found = counts["missed"] + counts["correct-not-found"]
    return {"split": split, "references": len(cases), **counts,
            "findable": sum(1 for case in cases if case.truth),
            "not_found_precision": round(counts["correct-not-found"] / not_found, 3) if not_found else None,
            "requests_per_reference": round(requests / len(cases), 2), "seconds": round(seconds, 2), "rows": rows}


def main(argv: list[str]) -> int:
    which = argv[0] if argv else "dev"
    splits = ["dev", "heldout"] if which == "all" else [which]
    results = [score(split) for split in splits]
    if "--json" in argv:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    for result in results:
        print(f"{result['split']}: {result['references']} references ({result['findable']} with a page): "
              f"found-correct {result['found-correct']}, wrong-found {result['wrong-found']}, missed "
              f"{result['missed']}, correctly not found {result['correct-not-found']}; not-found precision "
              f"{result['not_found_precision']}; {result['requests_per_reference']} requests/reference; "
              f"{result['seconds']} s")
        for row in result["rows"]:
            if row["outcome"] in ("wrong-found", "missed"):
                print(f"  [{row['ref']}] {row['kind']}: {row['outcome']} ({row['status']}) {row['url'] or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
