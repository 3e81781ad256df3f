"""The sample ChatGPT export (../shared/samples/chatgpt-export-ai-policy.txt) against a simulated web of its cited
sites: which of its 13 URL-less references can be found, which cannot, which claims their pages support.

The pages are written for this simulation (plausible, not copies of the real ones): for some references the site
has an article that says what the answer says (found), next to decoys on the same topic; for others it has
nothing of the kind (the answer paraphrases, or the site lists nothing), which is what an audit must report.

    python bench/resolve_sample.py [extra refcheck check options]    # serves on loopback, prints the report
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from resolve_web import Article, Site, remap, served, write_web  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "chatgpt-export-ai-policy.txt"

# Where each reference should end up (None: nothing on the simulated web is its source).
EXPECTED = {
    "1": "self-citation", "2": "https://www.digital.go.jp/news/2025/gennai-internal-development",
    "3": "https://watch.impress.co.jp/docs/news/2025/1219001.html", "4": None,
    "5": "https://it.impress.co.jp/articles/-/28410", "6": None, "7": None, "8": None,
    "9": "https://newsdig.tbs.co.jp/articles/-/2290001", "10": "https://group.softbank/news/press/20251215",
    "11": None, "12": None, "13": None,
}

SITES = [
    Site("www.digital.go.jp", "デジタル庁", (
        Article("/news/2025/gennai-internal-development", "ガバメントAI「源内」の内製開発について", "2025-12-10", (
            "デジタル庁は、政府職員が安全に生成AIを利用できる環境として、ガバメントAI「源内」を内製で開発・運用しています。",
            "行政実務向けのアプリケーションをデジタル庁自ら開発することで、国内でAIを実装・評価する基盤を整えます。",
            "今後は各府省庁への展開を進めます。")),
        Article("/news/2025/ai-procurement-guideline", "生成AIの調達・利活用に係るガイドラインを公表しました", "2025-12-01", (
            "デジタル庁は、行政機関における生成AIの調達と利活用に関するガイドラインを公表しました。",
            "リスク管理の体制や、利用目的に応じた評価の考え方を示しています。")),
        Article("/news/2025/mynumber-card-stats", "マイナンバーカードの保有状況", "2025-12-20", (
            "マイナンバーカードの保有枚数は約1億枚となりました。",)),
    )),
    Site("watch.impress.co.jp", "Impress Watch", (
        Article("/docs/news/2025/1219001.html", "デジタル庁、ガバメントAI「源内」にPFNの翻訳特化LLM「PLaMo翻訳」", "2025-12-19", (
            "デジタル庁は、政府職員向けの生成AI利用環境「源内」に、Preferred Networks（PFN）の日本語特化モデル「PLaMo Translate」を導入する。",
            "源内で国産モデルを試験的に利用し、2026年以降、他省庁にも展開する計画。",
            "PLaMo Translateは日本語と英語の翻訳に特化した大規模言語モデル。")),
        Article("/docs/news/2025/1218002.html", "PFN、次世代の国産基盤モデルを開発へ", "2025-12-18", (
            "Preferred Networksは18日、次世代の国産基盤モデルの開発計画を発表した。",
            "計算資源の確保に向け、国内のデータセンターを活用する。")),
        Article("/docs/news/2025/1222003.html", "総務省、自治体向け生成AIの実証を開始", "2025-12-22", (
            "総務省は、地方自治体が生成AIを業務に活用する実証事業を開始する。",)),
    )),
    Site("it.impress.co.jp", "IT Leaders", (
        Article("/articles/-/28410", "デジタル庁、行政のAI実装を先導　OpenAIと協業、国産モデルの評価も", "2025-12-12", (
            "デジタル庁は行政でのAI実装の先導を重視しており、海外製LLMを提供するOpenAIとの協業を進めている。",
            "一方で、国産AIモデルの評価・採用も視野に入れた体制整備を進めている。",
            "同庁は海外製LLMと国産モデルを用途に応じて使い分ける方針だ。")),
        Article("/articles/-/28399", "製造業のデータ活用、現場主導で進む", "2025-12-08", (
            "製造業では、現場主導のデータ活用が広がっている。",)),
    )),
    Site("www.marketwatch.com", "MarketWatch", (
        Article("/story/nvidia-earnings-preview-2025-12", "Nvidia earnings preview: what to watch", "2025-12-15", (
            "Nvidia reports results next week; analysts expect data-center revenue to rise again.",)),
        Article("/story/japan-stocks-ai-rally-2025-12", "Japanese stocks rally on AI optimism", "2025-12-18", (
            "Tokyo shares rose as investors bet on artificial-intelligence demand.",)),
    ), language="en"),
    Site("newsdig.tbs.co.jp", "TBS NEWS DIG", (
        Article("/articles/-/2290001", "国産AI開発へ新会社　ソフトバンクなど10社程度が参加　経産省は5年で1兆円規模支援", "2025-12-20", (
            "経済産業省は、国産AI基盤モデルの開発に5年で1兆円規模の支援を予定している。",
            "この構想に、ソフトバンクを含む10社程度が新会社の設立を検討していることがわかった。",
            "政府の支援策の主要プレイヤーとして、ソフトバンクの名前が挙がっている。")),
        Article("/articles/-/2289876", "AI戦略本部が初会合", "2025-12-16", (
            "政府のAI戦略本部が初会合を開き、AI基本計画の策定に向けた議論を始めた。",)),
    )),
    Site("group.softbank", "ソフトバンクグループ株式会社", (
        Article("/news/press/20251215", "OpenAIへのフォローオン投資について", "2025-12-15", (
            "ソフトバンクグループ株式会社（SoftBank Group）は、OpenAIへのフォローオン投資（数十億ドル規模）を実施することを決定しました。",
            "OpenAIの最先端技術を日本で展開・導入する体制を構築します。")),
        Article("/news/press/20251101", "2026年3月期 第2四半期決算について", "2025-11-11", (
            "当社は2026年3月期第2四半期の決算を発表しました。",)),
    )),
    Site("www.softbank.jp", "ソフトバンク", (
        Article("/corp/news/press/sbkk/2025/20251205_01/", "法人向け生成AIサービスの提供開始", "2025-12-05", (
            "ソフトバンクは、法人向けに生成AIサービスの提供を開始します。",)),
    )),
    Site("x.com", "X", mode="bare"),
    Site("economy.ac", "エコノミー", mode="bare"),
    # The two articles the user pasted as URLs: not resolved (they have URLs) but fetched and checked as usual.
    Site("digital.asahi.com", "朝日新聞デジタル", (
        Article("/articles/ASTD23HX0TD2ULFA00YM.html", "デジタル庁、国産AIの活用を推進　源内に国内モデル", "2025-12-02", (
            "デジタル庁は、国産AIの活用を推進する方針を示した。", "政府職員向けの源内に国内モデルを組み込む。")),
    )),
    Site("www.yomiuri.co.jp", "読売新聞オンライン", (
        Article("/economy/20251220-GYT1T00281/", "ソフトバンク、国産AIに2兆円　政府が1兆円補助", "2025-12-20", (
            "ソフトバンクは国産AIの開発に総額2兆円規模を投じる計画で、政府から1兆円の補助を受ける。",
            "開発の中核を担う人員は100人程度とする。")),
    )),
]


def main() -> int:
    if not SAMPLE.is_file():
        print(f"needs {SAMPLE}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="refcheck-sample-web-") as folder:
        root = write_web(Path(folder) / "web", SITES)
        with served(root) as server:
            command = [sys.executable, "-m", "refcheck", "check", str(SAMPLE), "--remap", " ".join(remap(server)),
                       "--allow-private", "--no-archive", "--cache-dir", str(Path(folder) / "cache"), "--retries",
                       "0", "--timeout", "5", "--resolver", "site", *sys.argv[1:]]
            completed = subprocess.run(command)
    return 0 if completed.returncode in (0, 1) else completed.returncode


if __name__ == "__main__":
    sys.exit(main())
