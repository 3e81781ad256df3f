"""Peak memory and time of reading a big ChatGPT data export (`conversations.json`), conversation by conversation.

    .venv/bin/python bench/export_memory.py                 # 200 MB, 2,000 conversations, in a temporary folder
    .venv/bin/python bench/export_memory.py --mb 20 --keep /tmp/export.json

It writes a seeded synthetic export of the documented shape (docs/inputs.md: mapping/current_node, a regenerated
branch, web-tool messages with search_result_groups, answers with U+E200 markers and content_references, code
and its output, hidden system messages; English and Japanese text), then measures, each in a fresh process:

- reader: `documents.read_documents` + `extract.extract` over every conversation, keeping only counts — what the
  streaming costs by itself;
- cli: `refcheck extract --format json|text --output FILE --quiet` — the whole command, which keeps every
  conversation's references, markers, links, claims and findings for the report.

    .venv/bin/python bench/export_memory.py --export /tmp/export.json --skip-reader --format json --format text

Peak RSS is the process's high-water mark (getrusage ru_maxrss). Nothing is fetched.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPEN, SEP, CLOSE = "\ue200", "\ue202", "\ue201"

EN = ["The agency said spending rose by {n} percent in {year}, the largest increase since {old}.",
      "{org} announced on {month} {day} that {n},{m}00 users had signed up for the service.",
      "Analysts expect the market to reach ${n} billion by {year}, according to {org}.",
      "The report notes that the pilot covered {n} cities and cost about {m} million dollars.",
      "Critics argue the plan does not address the shortage of engineers."]
JA = ["{org}は{year}年度の予算を{n}億円と発表した。",
      "政府は{n}社程度の企業連合に{m}年で1兆円規模を支援する。",
      "{org}によると、利用者は前年比{n}%増えた。",
      "この方針は国内の開発体制を十分に考慮していない。"]
ORGS = ["Digital Agency", "OpenAI", "SoftBank", "METI", "デジタル庁", "経済産業省", "日本経済新聞", "Reuters"]
SITES = [("Impress Watch", "www.watch.impress.co.jp"), ("Reuters", "www.reuters.com"), ("日本経済新聞", "www.nikkei.com"),
         ("Ars Technica", "arstechnica.com"), ("デジタル庁", "www.digital.go.jp"), ("The Verge", "www.theverge.com")]


def sentence(rng: random.Random, japanese: bool) -> str:
    template = rng.choice(JA if japanese else EN)
    return template.format(n=rng.randint(2, 99), m=rng.randint(1, 9), year=rng.randint(2020, 2030),
                           old=rng.randint(1990, 2019), org=rng.choice(ORGS), month=rng.choice(["May", "June"]),
                           day=rng.randint(1, 28))


def conversation(rng: random.Random, index: int, turns: int) -> dict:
    cid = f"{0x69000000 + index:08x}-0000-4000-8000-{index:012x}"
    mapping = {"client-created-root": {"id": "client-created-root", "message": None, "parent": None, "children": []}}
    clock = 1766000000.0 + index * 1000
    parent = "client-created-root"

    def add(node_id, role, content, metadata=None, recipient="all", name=None, channel=None, attach_to=None):
        nonlocal clock
        clock += 5
        holder = attach_to or parent
        mapping[node_id] = {"id": node_id, "parent": holder, "children": [], "message": {
            "id": node_id, "author": {"role": role, "name": name, "metadata": {}}, "create_time": clock,
            "update_time": None, "content": content, "status": "finished_successfully", "end_turn": True,
            "weight": 1.0, "metadata": metadata or {}, "recipient": recipient, "channel": channel}}
        mapping[holder]["children"].append(node_id)
        return node_id

    parent = add("sys", "system", {"content_type": "text", "parts": [""]}, {"is_visually_hidden_from_conversation": True})
    for turn in range(turns):
        japanese = rng.random() < 0.5
        parent = add(f"u{turn}", "user", {"content_type": "text", "parts": [" ".join(
            sentence(rng, japanese) for _ in range(2))]})
        if turn == 1:  # a regenerated answer: another branch
            add(f"old{turn}", "assistant", {"content_type": "text", "parts": [sentence(rng, japanese)]},
                channel="final", attach_to=parent)
        results, keys = [], []
        for k in range(8):
            site, domain = rng.choice(SITES)
            url = f"https://{domain}/news/{index}/{turn}/{k}.html?utm_source=chatgpt.com"
            ref = {"turn_index": turn, "ref_type": "search" if k % 3 else "news", "ref_index": k}
            results.append({"type": "search_result_group", "domain": domain, "entries": [{
                "type": "search_result", "url": url, "title": f"{site} article {index}-{turn}-{k}",
                "snippet": sentence(rng, japanese) * 2, "ref_id": ref, "pub_date": 1765000000.0 + k * 86400,
                "attribution": site}]})
            keys.append((f"turn{turn}{ref['ref_type']}{k}", url, site, ref))
        parent = add(f"t{turn}", "tool", {"content_type": "text", "parts": [""]},
                     {"real_author": "tool:web", "search_result_groups": results}, name="web.run")
        parent = add(f"r{turn}", "assistant", {"content_type": "thoughts", "thoughts": [
            {"summary": "Reading", "content": sentence(rng, japanese) * 3}]}, channel="analysis")
        paragraphs, references = [], []
        for p in range(6):
            body = " ".join(sentence(rng, japanese) for _ in range(3))
            cited = rng.sample(keys, 2)
            marker = OPEN + "cite" + "".join(SEP + key for key, *_ in cited) + CLOSE
            paragraphs.append(("- " if p % 2 else "") + body + " " + marker)
        text = "\n\n".join(paragraphs)
        for paragraph in paragraphs:
            marker = paragraph[paragraph.index(OPEN):]
            start = text.index(marker)
            cited = [k for k in keys if k[0] in marker]
            if rng.random() < 0.7:  # most pills have an entry; the rest are read from the search results
                references.append({
                    "matched_text": marker, "start_idx": start, "end_idx": start + len(marker), "type": "grouped_webpages",
                    "safe_urls": [url for _, url, _, _ in cited], "refs": [], "status": "done",
                    "alt": f"([{cited[0][2]}]({cited[0][1]}))", "prompt_text": None, "invalid": False,
                    "items": [{"title": f"{site} article", "url": url, "attribution": site, "pub_date": 1765000000,
                               "snippet": "", "refs": [ref], "supporting_websites": []}
                              for _, url, site, ref in cited], "fallback_items": None})
        parent = add(f"a{turn}", "assistant", {"content_type": "text", "parts": [text]},
                     {"content_references": references, "citations": [], "model_slug": "gpt-5"}, channel="final")
        if turn % 4 == 3:  # code and its output: not the answer
            parent = add(f"c{turn}", "assistant", {"content_type": "code", "language": "python",
                                                   "text": "print(sum(range(10)))"}, recipient="python")
            parent = add(f"o{turn}", "tool", {"content_type": "execution_output", "text": "45"}, name="python")
    return {"title": f"conversation {index}", "create_time": 1766000000.0 + index * 1000, "update_time": clock,
            "mapping": mapping, "moderation_results": [], "current_node": parent, "plugin_ids": None,
            "conversation_id": cid, "conversation_template_id": None, "gizmo_id": None, "is_archived": False,
            "safe_urls": [], "default_model_slug": "gpt-5", "id": cid}


def write_export(path: Path, megabytes: float, conversations: int, seed: int = 15) -> None:
    rng = random.Random(seed)
    target = megabytes * 1024 * 1024
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        written, turns = 1, 4
        for index in range(conversations):
            # Turns per conversation grow until the remaining conversations fill the target on average.
            if index and index % 50 == 0:
                per = written / index
                turns = max(1, round(turns * ((target - written) / (conversations - index)) / per))
            text = json.dumps(conversation(rng, index, turns), ensure_ascii=False, separators=(",", ":"))
            out.write(("," if index else "") + text)
            written += len(text.encode("utf-8")) + 1
        out.write("]")


READER = """
import resource, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from refcheck.documents import read_documents
from refcheck.extract import extract
start = time.perf_counter()
counts = [0, 0, 0, 0]
for document in read_documents(Path({path!r})):
    extraction = extract(document)
    counts[0] += 1; counts[1] += len(extraction.references); counts[2] += len(extraction.markers)
    counts[3] += len(extraction.claims)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, *counts)
"""


def measure_reader(path: Path) -> dict:
    output = subprocess.run([sys.executable, "-c", READER.format(root=str(ROOT), path=str(path))],
                            capture_output=True, text=True, check=True).stdout.split()
    seconds, rss, documents, references, markers, claims = output
    return {"seconds": float(seconds), "peak_rss_mb": int(rss) / 1024, "documents": int(documents),
            "references": int(references), "markers": int(markers), "claims": int(claims)}


def measure_cli(path: Path, report: Path, fmt: str = "json") -> dict:
    script = ("import resource, runpy, sys, time; sys.argv = ['refcheck'] + sys.argv[1:]; start = time.perf_counter()\n"
              "from refcheck.cli import main\n"
              "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
              "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, code, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", script, "extract", "--format", fmt, "--output", str(report),
                             "--quiet", "--fail-on", "never", str(path)], capture_output=True, text=True, cwd=ROOT)
    seconds, rss, code = result.stderr.strip().splitlines()[-1].split()
    return {"seconds": float(seconds), "peak_rss_mb": int(rss) / 1024, "exit": code,
            "report_mb": report.stat().st_size / 1024 / 1024 if report.exists() else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=200.0, help="size of the export to write (default 200)")
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--keep", type=Path, help="write the export here and keep it (default: a temporary file)")
    parser.add_argument("--skip-cli", action="store_true", help="measure the reader only")
    parser.add_argument("--skip-reader", action="store_true", help="measure the command only")
    parser.add_argument("--export", type=Path, help="measure this export instead of writing one")
    parser.add_argument("--format", action="append", choices=("json", "text"),
                        help="the command's report format (repeatable; default json)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = options.export or options.keep or Path(folder) / "conversations.json"
        if options.export is None:
            started = time.perf_counter()
            write_export(path, options.mb, options.conversations)
            print(f"export written in {time.perf_counter() - started:.1f} s")
        size = path.stat().st_size / 1024 / 1024
        print(f"export: {size:.1f} MB")
        if not options.skip_reader:
            reader = measure_reader(path)
            print(f"reader: {reader['seconds']:.1f} s, peak RSS {reader['peak_rss_mb']:.0f} MB — "
                  f"{reader['documents']} documents, {reader['references']} references, {reader['markers']} "
                  f"markers, {reader['claims']} claims ({size / reader['seconds']:.1f} MB/s)")
        for fmt in [] if options.skip_cli else options.format or ["json"]:
            cli = measure_cli(path, Path(folder) / f"report.{fmt}", fmt)
            print(f"cli --format {fmt}: {cli['seconds']:.1f} s, peak RSS {cli['peak_rss_mb']:.0f} MB, exit "
                  f"{cli['exit']}, report {cli['report_mb']:.1f} MB")


if __name__ == "__main__":
    main()
