"""Make a ChatGPT data export (`conversations.json`) of the shared sample's conversation.

The sample (../shared/samples/chatgpt-export-ai-policy.txt) is a conversation *copied as text*: each citation pill
kept only its label (`Impress Watch[3]`) and the reference list its label and site. This script rebuilds the
conversation as the export would hold it: the same turns and words, each pill a private-use marker
(`\\ue200cite\\ue202turn0search2\\ue201`) whose source has a URL chosen here (the copy lost the real ones).
The first search turn's markers are described by `content_references` entries, the second's only by the web
tool's `search_result_groups`, so both ways of resolving a marker are exercised. Reference 1 of the copy is
the copy tool's link to the conversation itself ("AI基本計画の核心". ChatGPT), not a source: in the export it
is the conversation's title.

    python -m tests.extract.sample_export ../shared/samples/chatgpt-export-ai-policy.txt out.json
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

OPEN, SEP, CLOSE = "\ue200", "\ue202", "\ue201"
# URLs chosen for the copy's references 2–13 (their labels and sites are the copy's).
URLS = {
    2: "https://www.digital.go.jp/news/government-ai-gennai",
    3: "https://www.watch.impress.co.jp/docs/news/2070001.html",
    4: "https://www.marketwatch.com/story/japan-digital-agency-domestic-ai-models",
    5: "https://it.impress.co.jp/articles/-/28001",
    6: "https://www.watch.impress.co.jp/docs/news/2070002.html",
    7: "https://it.impress.co.jp/articles/-/28002",
    8: "https://x.com/digital_jpn/status/1870000000000000000",
    9: "https://newsdig.tbs.co.jp/articles/-/2300001",
    10: "https://group.softbank/news/press/20251201",
    11: "https://economy.ac/news/2025/12/softbank-datacenter",
    12: "https://www.softbank.jp/corp/news/press/sbkk/2025/20251210_01/",
    13: "https://group.softbank/news/press/20251215",
}
TRACKED = "?utm_source=chatgpt.com"
_TURN = re.compile(r"^(User|Assistant): (.*)$")
_ENTRY = re.compile(r'^- ↑ "(?P<title>[^"]+)"\. (?P<site>.+?)\. Retrieved (?P<date>\d{4}-\d{2}-\d{2})\.$')


def parse(text: str) -> tuple[str, list[tuple[str, str]], dict[int, tuple[str, str]]]:
    """(conversation id, [(role, message text)], {reference number: (label, site)}) of the text copy."""
    lines = text.split("\n")
    conversation_id = lines[0].rsplit("/", 1)[-1].strip()
    first = next(i for i, line in enumerate(lines) if _TURN.match(line))
    section = max(i for i, line in enumerate(lines) if line.strip() == "References edit")
    references = {}
    for number, line in enumerate((l for l in lines[section + 1:] if l.strip()), start=1):
        match = _ENTRY.match(line.strip())
        references[number] = (match.group("title"), match.group("site"))
    turns: list[tuple[str, list[str]]] = []
    for index in range(first, section):
        line = lines[index]
        turn = _TURN.match(line)
        if turn:  # `User: … edit`: a heading that repeats the line after it
            turns.append(("user" if turn.group(1) == "User" else "assistant", []))
            continue
        content = line.removesuffix(" edit")
        if line.endswith(" edit") and index + 1 < section and lines[index + 1].startswith(content):
            continue
        turns[-1][1].append(content)
    return conversation_id, [(role, "\n".join(body).strip()) for role, body in turns], references


def build(text: str) -> list[dict]:
    conversation_id, turns, references = parse(text)
    title = references[1][0]
    mapping = {"client-created-root": {"id": "client-created-root", "message": None, "parent": None, "children": []}}
    parent, clock, search_turn = "client-created-root", 1766629898.0, 0

    def add(node_id: str, role: str, parts: list[str], **fields) -> str:
        nonlocal parent, clock
        clock += 11.0
        message = {"id": node_id, "author": {"role": role, "name": fields.pop("name", None), "metadata": {}},
                   "create_time": clock, "update_time": None, "content": {"content_type": "text", "parts": parts},
                   "status": "finished_successfully", "end_turn": role == "assistant" or None, "weight": 1.0,
                   "metadata": fields.pop("metadata", {}), "recipient": "all",
                   "channel": "final" if role == "assistant" else None}
        mapping[node_id] = {"id": node_id, "message": message, "parent": parent, "children": []}
        mapping[parent]["children"].append(node_id)
        parent = node_id
        return node_id

    for number, (role, body) in enumerate(turns, start=1):
        cited = [n for n in references if n in URLS and f"{references[n][0]}[{n}]" in body]
        if role == "user" or not cited:
            add(f"m{number}", role, [re.sub(r"\[(\d+)\]", "", body) if role == "assistant" else body])
            continue
        keys = {n: f"turn{search_turn}search{k}" for k, n in enumerate(cited)}
        groups = [{"type": "search_result_group", "domain": URLS[n].split("/")[2], "entries": [
            {"type": "search_result", "url": URLS[n] + TRACKED, "title": references[n][0], "snippet": "…",
             "ref_id": {"turn_index": search_turn, "ref_type": "search", "ref_index": k},
             "pub_date": None, "attribution": references[n][1]}]} for k, n in enumerate(cited)]
        add(f"t{number}", "tool", [""], name="web.run", metadata={"real_author": "tool:web",
                                                                "search_result_groups": groups})
        answer = body
        for n in cited:
            answer = answer.replace(f"{references[n][0]}[{n}]", OPEN + "cite" + SEP + keys[n] + CLOSE, 1)
        content_references = []
        if search_turn == 0:  # the first search turn's pills have entries; the second's only search results
            for k, n in enumerate(cited):
                marker = OPEN + "cite" + SEP + keys[n] + CLOSE
                start = answer.index(marker)
                url = URLS[n] + TRACKED
                content_references.append({
                    "matched_text": marker, "start_idx": start, "end_idx": start + len(marker),
                    "safe_urls": [URLS[n], url], "refs": [], "alt": f"([{references[n][0]}]({url}))",
                    "prompt_text": None, "type": "grouped_webpages", "invalid": False, "status": "done",
                    "items": [{"title": references[n][0], "url": url, "pub_date": 1766620800.0, "snippet": "",
                               "attribution": references[n][0], "supporting_websites": [],
                               "refs": [{"turn_index": 0, "ref_type": "search", "ref_index": k}]}],
                    "fallback_items": None})
        add(f"m{number}", "assistant", [answer],
            metadata={"content_references": content_references, "citations": [], "model_slug": "gpt-5-2"})
        search_turn += 1
    return [{"title": title, "create_time": 1766629898.0, "update_time": clock, "mapping": mapping,
             "moderation_results": [], "current_node": parent, "plugin_ids": None,
             "conversation_id": conversation_id, "conversation_template_id": None, "gizmo_id": None,
             "is_archived": False, "safe_urls": [], "default_model_slug": "gpt-5-2", "id": conversation_id}]


def main(arguments: list[str]) -> None:
    sample, output = Path(arguments[0]), Path(arguments[1])
    output.write_text(json.dumps(build(sample.read_text(encoding="utf-8")), ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
