"""The services' own exports and copies: ChatGPT and Claude conversations.json, copied Markdown, saved share pages.

Fixtures: tests/fixtures/exports (written by make_fixtures.py from the documented shapes, docs/inputs.md). The
expectations below are written by hand from what each fixture's conversation shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from refcheck.documents import read_document, read_documents
from refcheck.extract import extract
from refcheck.models import Format
from refcheck.pipeline import extract_paths
from refcheck.settings import Settings
from tests.conftest import CORPORA, SAMPLE_EXPORT, need_shared

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
ROOT = Path(__file__).resolve().parents[2]
PRIVATE_USE = {chr(c) for c in range(0xE200, 0xE207)}


def conversations(name: str, **kwargs) -> dict:
    """title → (document, extraction) for every conversation of a fixture export."""
    found = {}
    for document in read_documents(FIXTURES / name, **kwargs):
        found[document.title] = (document, extract(document))
    return found


def cited_urls(extraction, sentence_start: str) -> set[str]:
    """The URLs of the references that the claim starting with `sentence_start` cites."""
    by_id = {r.id: r.url for r in extraction.references}
    claims = [c for c in extraction.claims if c.text.startswith(sentence_start)]
    assert len(claims) == 1, [c.text for c in extraction.claims]
    return {by_id.get(ref, ref) for ref in claims[0].refs}


def all_text(extraction) -> str:
    return "\n".join(block.text for block in extraction.blocks)


def run_cli(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "refcheck", *arguments], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=120)


# ---- ChatGPT, current format -------------------------------------------------------------------------------

ARS = "https://arstechnica.com/tech-policy/2025/08/chatgpt-users-shocked-to-learn-their-chats-were-in-google-search-results/?utm_source=chatgpt.com"
WINDOWS = "https://www.windowscentral.com/artificial-intelligence/openai-chatgpt/chatgpt-chats-wont-show-up-on-google-anymore?utm_source=chatgpt.com"
VERGE = "https://www.theverge.com/news/716480/openai-chatgpt-shared-links-google-search?utm_source=chatgpt.com"
HELP = "https://help.openai.com/en/articles/7925741-chatgpt-shared-links-faq?utm_source=chatgpt.com"
BLOG = "https://openai.com/index/removing-discoverable-chats/"


@pytest.fixture(scope="module")
def chatgpt():
    return conversations("chatgpt-conversations.json")


def test_a_chatgpt_export_is_detected_and_read_one_document_per_conversation(chatgpt):
    assert list(chatgpt) == ["Shared chats in Google results", "デジタル庁と国産AI", "PFNについて"]
    ids = [document.conversation for document, _ in chatgpt.values()]
    assert ids == ["68a1f3c0-1d2e-8003-9a41-5be0c7a1e2f4", "694ca30b-7c1d-800f-8e2a-0c1d2e3f4a5b",
                   "b1c2d3e4-0000-4a5b-8c6d-7e8f90a1b2c3"]
    assert {document.format for document, _ in chatgpt.values()} == {Format.CHATGPT_JSON}


def test_english_answer_sources_titles_sites_dates_and_urls(chatgpt):
    _, extraction = chatgpt["Shared chats in Google results"]
    got = [(r.title, r.site, r.url, r.published) for r in extraction.references]
    assert got == [
        ("ChatGPT users shocked to learn their chats were in Google search results - Ars Technica", "Ars Technica",
         ARS, "2025-08-01"),
        ("ChatGPT chats won't show up on Google anymore - here's how to remove your shared links", "Windows Central",
         WINDOWS, None),  # the pill's supporting website
        ("OpenAI pulls the feature that put ChatGPT chats in Google", "The Verge", VERGE, "2025-08-02"),
        ("ChatGPT Shared Links FAQ | OpenAI Help Center", "OpenAI Help Center", HELP, None),
        ("Removing the discoverable-chats experiment", "OpenAI", BLOG, None),  # only in the Sources panel
    ]


def test_english_markers_cite_the_sentence_they_end(chatgpt):
    _, extraction = chatgpt["Shared chats in Google results"]
    assert cited_urls(extraction, "OpenAI removed the “make this chat discoverable”") == {ARS, WINDOWS}
    assert cited_urls(extraction, "About 4,500 conversations") == {VERGE}  # no entry: read from the search results
    assert cited_urls(extraction, "You can delete a shared link") == {HELP}  # entry offsets off: found by its text
    assert cited_urls(extraction, "The feature was an opt-in experiment") == {"turn0search9"}  # unresolved key
    assert cited_urls(extraction, "Ars Technica first reported it") == {ARS}  # the same source again: one reference
    markers = [(m.ref, m.line) for m in extraction.markers]
    assert len(markers) == 6 and markers.count(("1", 2)) == 1


def test_english_prose_reads_cleanly_without_markers_or_hidden_messages(chatgpt):
    _, extraction = chatgpt["Shared chats in Google results"]
    text = all_text(extraction)
    assert not PRIVATE_USE & set(text)
    assert "Google results.\n" in text + "\n" and "  " not in text
    assert "The team that built it sits in Mission Bay, San Francisco." in text  # the entity marker's name
    for hidden in ("An earlier answer", "search_query", "The Verge says", "matplotlib", "Figure size"):
        assert hidden not in text  # regenerated branch, tool call, thoughts, code, execution output
    speakers = [(b.speaker, b.text[:20]) for b in extraction.blocks]
    assert speakers[0] == ("user", "What happened with C") and speakers[-1][0] == "assistant"
    assert {c.speaker for c in extraction.claims} == {"assistant"}


def test_english_findings_unresolved_marker_panel_only_source_and_branch(chatgpt):
    document, extraction = chatgpt["Shared chats in Google results"]
    report = extract_paths([str(FIXTURES / "chatgpt-conversations.json")], Settings())
    findings = {(f.rule, f.ref) for f in report.documents[0].findings}
    assert ("missing-reference", "turn0search9") in findings
    assert ("unused-reference", "5") in findings
    branches = [f for f in report.documents[0].findings if f.rule == "conversation-branches"]
    assert len(branches) == 1 and branches[0].evidence["other_branches"] == 1
    assert extraction.conversation.messages == 4 and extraction.conversation.leaf == "a-2"


def test_locations_are_message_and_character_offset_in_the_exported_text(chatgpt):
    report = extract_paths([str(FIXTURES / "chatgpt-conversations.json")], Settings())
    missing = next(f for f in report.documents[0].findings if f.rule == "missing-reference")
    location = missing.location
    assert (location.conversation, location.title, location.message, location.node) == (
        "68a1f3c0-1d2e-8003-9a41-5be0c7a1e2f4", "Shared chats in Google results", 2, "a-1")
    export = json.loads((FIXTURES / "chatgpt-conversations.json").read_text(encoding="utf-8"))
    raw = export[0]["mapping"]["a-1"]["message"]["content"]["parts"][0]
    assert raw[location.offset:].startswith("- You can delete a shared link")  # the line, as exported


def test_japanese_keys_resolve_through_search_results_and_other_pills(chatgpt):
    _, extraction = chatgpt["デジタル庁と国産AI"]
    assert [(r.site, r.published) for r in extraction.references] == [
        ("デジタル庁", None), ("日本経済新聞", "2025-12-24"), ("Impress Watch", "2025-12-24")]
    nikkei, impress = extraction.references[1].url, extraction.references[2].url
    # One marker, two keys: turn0news2 from the search results, turn0search1 from the later pill's items.
    assert cited_urls(extraction, "2026年度から国産の大規模言語モデル") == {nikkei, impress}
    assert cited_urls(extraction, "PFNの「PLaMo翻訳」") == {impress}
    assert not PRIVATE_USE & set(all_text(extraction))


def test_japanese_legacy_browsing_citations(chatgpt):
    _, extraction = chatgpt["PFNについて"]
    urls = [r.url for r in extraction.references]
    assert urls == ["https://www.crunchbase.com/organization/preferred-networks",
                    "https://www.preferred.jp/ja/news/pr20251201/",
                    "https://www.meti.go.jp/press/2025/12/20251219001/20251219001.html"]
    assert cited_urls(extraction, "Preferred Networksは2014年") == {urls[0]}
    assert cited_urls(extraction, "2025年に大規模言語モデル") == set(urls[:2])
    assert cited_urls(extraction, "経済産業省の支援") == {urls[2]}  # 【2†source】: the browsing tool's result 2
    assert "【" not in all_text(extraction) and "search(" not in all_text(extraction)


# ---- ChatGPT: structure that must be worked around ---------------------------------------------------------


def test_no_current_node_and_a_parent_loop_are_findings_not_crashes():
    report = extract_paths([str(FIXTURES / "chatgpt-broken.json")], Settings())
    first, second = report.documents
    assert [c.text for c in first.extraction.claims] == [] and first.extraction.conversation.leaf == "a-2"
    structure = [f.message for f in first.findings if f.rule == "conversation-structure"]
    assert structure == ["this conversation: it has no current_node: read the branch ending at the newest message (a-2)"]
    loop = [f.message for f in second.findings if f.rule == "conversation-structure"]
    assert loop == ["this conversation: its parent links loop back to node a-1: read the branch from there on"]
    assert second.extraction.conversation.messages == 2


@pytest.mark.parametrize("content, expected", [
    ('[{"title": "x", "mapping": {"a": {"id": "a", "message": null, "parent": null, "children": []}}, "current_no',
     "truncated or damaged JSON after conversation 0"),
    ('{"name": "refcheck", "version": "1.0.0", "dependencies": {}}', "not a ChatGPT or Claude conversation export"),
    ("[1, 2, 3]", "not a ChatGPT or Claude conversation export"),
    ('[{"title": "a", "mapping": {}}, 7]', "conversation 2 is not a JSON object"),
    ("", "not a ChatGPT or Claude conversation export"),
])
def test_bad_json_is_one_line_and_exit_2(tmp_path, content, expected):
    path = tmp_path / "conversations.json"
    path.write_text(content, encoding="utf-8")
    result = run_cli("extract", str(path))
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_truncated_real_size_export_fails_after_what_it_could_read(tmp_path):
    text = (FIXTURES / "chatgpt-conversations.json").read_text(encoding="utf-8")
    cut = text.index('"PFNについて"')  # inside the third conversation
    path = tmp_path / "conversations.json"
    path.write_text(text[:cut], encoding="utf-8")
    read = []
    with pytest.raises(Exception) as error:
        for document in read_documents(path):
            read.append(document.title)
    assert read == ["Shared chats in Google results", "デジタル庁と国産AI"]  # streamed: the first two came first
    assert "truncated or damaged JSON after conversation 2" in str(error.value)
    result = run_cli("extract", str(path))
    assert result.returncode == 2 and result.stderr.startswith("refcheck: ") and "Traceback" not in result.stderr


def test_input_format_must_match_the_export(tmp_path):
    result = run_cli("extract", "--input-format", "claude-json", str(FIXTURES / "chatgpt-conversations.json"))
    assert result.returncode == 2 and "this is a chatgpt-json export" in result.stderr
    forced = run_cli("extract", "--input-format", "chatgpt-json", "--format", "json",
                     str(FIXTURES / "chatgpt-conversations.json"))
    assert forced.returncode in (0, 1) and len(json.loads(forced.stdout)["documents"]) == 3


def test_conversation_option_picks_by_id_or_title(tmp_path):
    report = extract_paths([str(FIXTURES / "chatgpt-conversations.json")],
                           Settings(conversations=("PFNについて", "68a1f3c0-1d2e-8003-9a41-5be0c7a1e2f4")))
    assert [d.document.title for d in report.documents] == ["Shared chats in Google results", "PFNについて"]
    result = run_cli("extract", "--conversation", "no such chat", str(FIXTURES / "chatgpt-conversations.json"))
    assert result.returncode == 2 and "'no such chat': no conversation with that id or title" in result.stderr


# ---- Claude ------------------------------------------------------------------------------------------------

NASA = "https://www.nasa.gov/news-release/nasa-artemis-ii-crew-returns/"
ESA = "https://www.esa.int/Science_Exploration/Human_and_Robotic_Exploration/Orion/Artemis_II"
REUTERS = "https://www.reuters.com/science/artemis-ii-splashdown-2026-04-11/"


@pytest.fixture(scope="module")
def claude():
    return conversations("claude-conversations.json")


def test_claude_export_reads_the_newest_branch_with_cited_sources(claude):
    document, extraction = claude["Artemis II return"]
    assert document.format is Format.CLAUDE_JSON and document.conversation == "7f1e2d3c-4b5a-4968-8776-655443322110"
    assert [(r.title, r.site, r.url, r.published) for r in extraction.references] == [
        ("NASA's Artemis II Crew Returns to Earth", "NASA", NASA, "2026-04-11"),
        ("Artemis II capsule splashes down off San Diego", "Reuters", REUTERS, None),  # "2 months ago" is no date
        ("Artemis II", "European Space Agency", ESA, None),
    ]
    assert cited_urls(extraction, "Artemis II flew four astronauts") == {NASA, REUTERS}  # two citations, one span
    assert cited_urls(extraction, "The mission lasted about ten days") == {ESA}
    assert cited_urls(extraction, "Airbus built it") == {ESA}
    text = all_text(extraction)
    assert "Who built the service module?" in text and "Who built the capsule?" not in text  # the edited branch
    assert "Lockheed" not in text and "I should search" not in text and "Want the crew's names too?" in text
    assert extraction.conversation.other_branches == 1 and extraction.conversation.leaf == "m-a2b"
    assert {b.speaker for b in extraction.blocks} == {"user", "assistant"}


def test_claude_japanese_conversation_in_list_order(claude):
    _, extraction = claude["AI基本計画"]
    assert [(r.site, r.published) for r in extraction.references] == [("首相官邸", "2025-12-23"), ("朝日新聞", "2025-12-24")]
    assert cited_urls(extraction, "政府は2025年12月にAI基本計画を閣議決定した。") == {extraction.references[0].url}
    assert cited_urls(extraction, "国産AIの開発支援には5年で1兆円規模") == {extraction.references[1].url}
    assert [c.speaker for c in extraction.claims] == ["assistant", "assistant"]
    assert extraction.places[1].message == 2 and extraction.places[1].node == "j-a1"


# ---- copies: Markdown, pasted text, saved share pages ------------------------------------------------------


def read_fixture(name: str):
    document = read_document(FIXTURES / name)
    return document, extract(document)


def test_chatgpt_copy_button_markdown_pills_become_references():
    document, extraction = read_fixture("chatgpt-copy-en.md")
    assert [(r.id, r.site, r.url, r.title) for r in extraction.references] == [
        ("1", "Ars Technica", ARS, None), ("2", "Windows Central", WINDOWS, None), ("3", "OpenAI Help Center", HELP, None)]
    assert cited_urls(extraction, "OpenAI removed the") == {ARS}
    assert cited_urls(extraction, "The experiment ended on August 1, 2025") == {WINDOWS}
    assert all("(" not in b.text[-3:] and "utm_source" not in b.text for b in extraction.blocks)


def test_a_chatgpt_copy_pasted_into_a_txt_file_is_read_as_markdown():
    document, extraction = read_fixture("chatgpt-copy-ja.txt")
    assert document.format is Format.MARKDOWN
    sites = [r.site for r in extraction.references]
    assert sites == ["デジタル庁", "Impress Watch", "日本経済新聞"]  # the repeated デジタル庁 pill: one reference
    assert cited_urls(extraction, "PFNの日本語特化モデル") == {r.url for r in extraction.references[1:]}
    assert cited_urls(extraction, "「源内」は2025年5月から") == {extraction.references[0].url}


def test_the_reference_definition_variant_of_the_copy():
    _, extraction = read_fixture("chatgpt-copy-refdefs.md")
    assert [(r.id, r.title) for r in extraction.references] == [
        ("1", "Klingon Pocket Dictionary - Klingonska Akademien"), ("2", "Klingon language - Wikipedia")]
    assert cited_urls(extraction, "Klingon's standard dictionary") == {extraction.references[0].url}
    assert cited_urls(extraction, "The language was created") == {extraction.references[1].url}


def test_perplexity_copy_with_numbered_citations_list():
    document, extraction = read_fixture("perplexity-copy-en.txt")
    urls = ["https://www.metro.tokyo.lg.jp/information/press/2025/01/24/01.html",
            "https://www.japantimes.co.jp/news/2025/01/24/japan/politics/tokyo-budget-2025/"]
    assert [(r.id, r.url) for r in extraction.references] == [("1", urls[0]), ("2", urls[1])]
    assert cited_urls(extraction, "The Tokyo Metropolitan Government") == set(urls)
    assert cited_urls(extraction, "Spending on child care") == {urls[1]}
    markdown = extract(read_document(FIXTURES / "perplexity-copy-en.txt", Format.MARKDOWN))  # the same as Markdown
    assert [(r.id, r.url) for r in markdown.references] == [("1", urls[0]), ("2", urls[1])]


def test_perplexity_native_markdown_export_japanese():
    document, extraction = read_fixture("perplexity-export-ja.md")
    assert [r.id for r in extraction.references] == ["1_1", "1_2"]
    assert cited_urls(extraction, "東京都は2025年度の一般会計予算") == {r.url for r in extraction.references}
    assert cited_urls(extraction, "子育て支援の予算は12%増えた。") == {extraction.references[1].url}


@pytest.mark.parametrize("name, sites", [("chatgpt-share-en.html", ["Ars Technica", "The Verge"]),
                                         ("chatgpt-share-ja.html", ["デジタル庁", "日本経済新聞"])])
def test_a_saved_share_page_has_speakers_and_pill_references(name, sites):
    document, extraction = read_fixture(name)
    assert document.format is Format.HTML
    assert [r.site for r in extraction.references] == sites
    speakers = {c.speaker for c in extraction.claims}
    assert speakers == {"assistant"}
    assert any(b.speaker == "user" for b in extraction.blocks)
    first = extraction.claims[0]
    assert first.refs == ("1",) and not first.text.endswith(sites[0])  # the pill's label is not the sentence's


# ---- the sample conversation, as an export -----------------------------------------------------------------


def test_the_samples_conversation_as_an_export_ties_every_marker_to_its_source(tmp_path):
    from refcheck.extract.text import extract as extract_text
    from refcheck.models import Document
    from tests.extract.sample_export import TRACKED, URLS, build

    text = need_shared(SAMPLE_EXPORT).read_text(encoding="utf-8")
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(build(text), ensure_ascii=False), encoding="utf-8")
    (document,) = read_documents(path)
    exported = extract(document)
    copied = extract_text(Document(path="sample.txt", format=Format.TEXT, text=text))
    copied_claims = extract(Document(path="sample.txt", format=Format.TEXT, text=text)).claims
    assert document.title == copied.references[0].title == "AI基本計画の核心"  # the copy's reference 1
    # The copy's 12 sources (references 2–13), each with its URL, in citation order.
    assert [r.url for r in exported.references] == [URLS[n] + TRACKED for n in range(2, 14)]
    assert [r.site for r in exported.references[:7]] == [copied.references[n - 1].title for n in range(2, 9)]
    by_url = {r.url: r.id for r in exported.references}
    for number in range(2, 14):
        ref = by_url[URLS[number] + TRACKED]
        in_export = {c.text for c in exported.claims if ref in c.refs}
        in_copy = {c.text for c in copied_claims if str(number) in c.refs}
        assert in_export == in_copy and in_export, number
    assert len(exported.markers) == 12
    speakers = {c.speaker for c in exported.claims}
    assert speakers == {"user", "assistant"}
    user_claims = {c.text for c in exported.claims if c.speaker == "user"}
    assert user_claims == {c.text for c in copied_claims if c.speaker == "user"}


# ---- the real exports in the shared corpus -----------------------------------------------------------------


def test_real_legacy_citation_export():
    path = need_shared(CORPORA / "chat-exports" / "librechat-chatgpt" / "chatgpt-citations.json")
    report = extract_paths([str(path)], Settings())
    (document,) = report.documents
    urls = [r.url for r in document.extraction.references]
    assert urls == ["https://www.crunchbase.com/organization/signal-sciences", "https://www.signalsciences.com/",
                    "https://www.fastly.com/press/press-releases/fastly-completes-acquisition-signal-sciences",
                    "https://www.cooley.com/news/coverage/2020/2020-08-27-fastly-agrees-to-acquire-signal-sciences-for-775-million"]
    claims = {c.text.split(" ")[0] + "…": c.refs for c in document.extraction.claims if c.refs}
    assert claims == {"Signal…": ("1", "2"), "The…": ("3", "4")}
    structure = [f.message for f in document.findings if f.rule == "conversation-structure"]
    assert len(structure) == 2 and "current_node 88a0cf9f" in structure[0]


def test_real_branched_export_reads_the_current_branch():
    path = need_shared(CORPORA / "chat-exports" / "librechat-chatgpt" / "chatgpt-tree.json")
    (document,) = read_documents(path)
    extraction = extract(document)
    texts = [b.text for b in extraction.blocks]
    assert texts[:5] == ["hi there", "Hello! How can I assist you today?", "hi again",
                         "Hey! Welcome back. What's on your mind?", "tell me a joke"]
    assert "so cool bro" not in texts  # the abandoned branch
    assert extraction.conversation.other_branches == 2 and extraction.conversation.messages == 6


# ---- streaming -----------------------------------------------------------------------------------------------


def test_an_export_is_streamed_one_conversation_at_a_time(tmp_path):
    one = json.loads((FIXTURES / "chatgpt-conversations.json").read_text(encoding="utf-8"))[0]
    path = tmp_path / "conversations.json"
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        for index in range(400):
            if index:
                out.write(",")
            json.dump({**one, "conversation_id": f"c{index}", "id": f"c{index}", "title": f"chat {index}"}, out,
                      ensure_ascii=False)
        out.write("]")
    size = path.stat().st_size
    extract(next(read_documents(FIXTURES / "chatgpt-conversations.json")))  # the readers' own data, loaded once
    tracemalloc.start()
    count = 0
    for document in read_documents(path):
        extract(document)
        count += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 400
    # One conversation at a time (and a 1 MB look at the file's start), not the 5 MB file.
    assert peak < 2_000_000 and peak < size / 4, (peak, size)


def test_an_exports_parsed_urls_are_not_held_from_one_conversation_to_the_next(tmp_path):
    from refcheck.weburl import parse

    one = (FIXTURES / "chatgpt-conversations.json").read_text(encoding="utf-8")
    conversation = json.loads(one)[0]
    path = tmp_path / "conversations.json"
    items = [json.loads(json.dumps({**conversation, "conversation_id": f"c{index}", "id": f"c{index}",
                                    "title": f"chat {index}"}).replace("https://", f"https://c{index}."))
             for index in range(40)]  # every conversation cites its own hosts: 40 times the URLs
    path.write_text(json.dumps(items), encoding="utf-8")
    parse.cache_clear()
    report = extract_paths([str(path)], Settings())
    urls = {r.url for d in report.documents for r in d.extraction.references if r.url}
    assert len(report.documents) == 40 and len(urls) >= 40 * 3
    # The cache (weburl.parse) serves one conversation's stages; a big export's URLs are not all kept to the end.
    assert parse.cache_info().currsize <= len(urls) / 40


# ---- check, end to end, on the loopback server --------------------------------------------------------------


def test_check_an_export_fetches_its_sources_and_locates_a_dead_one(tmp_path):
    from refcheck.settings import CacheSettings, FetchSettings
    from tests.webserver import Reply, WebServer
    from refcheck.pipeline import check_paths

    claim = "政府は2025年12月にAI基本計画を閣議決定した。"
    with WebServer() as server:
        server.route("/plan.html", Reply(200, f'<html lang="ja"><head><title>AI基本計画</title></head>'
                                              f"<body><main><p>{claim}</p></main></body></html>"))
        server.route("/gone.html", Reply(404, "<html><body>Not found</body></html>"))
        good, gone = server.url("/plan.html"), server.url("/gone.html")
        marker = "\ue200cite\ue202turn0search0\ue201"
        text = f"{claim}{marker}\n国産AIの開発支援には5年で1兆円規模を充てる。\ue200cite\ue202turn0search1\ue201"
        groups = [{"type": "search_result_group", "domain": "127.0.0.1", "entries": [
            {"type": "search_result", "url": url, "title": title, "ref_id": {"turn_index": 0, "ref_type": "search",
                                                                              "ref_index": index},
             "attribution": "内閣府", "pub_date": None}]}
            for index, (url, title) in enumerate([(good, "AI基本計画"), (gone, "国産AI支援")])]
        mapping = {
            "root": {"id": "root", "message": None, "parent": None, "children": ["u"]},
            "u": {"id": "u", "parent": "root", "children": ["t"], "message": {
                "author": {"role": "user"}, "content": {"content_type": "text", "parts": ["AI基本計画は？"]},
                "recipient": "all", "metadata": {}}},
            "t": {"id": "t", "parent": "u", "children": ["a"], "message": {
                "author": {"role": "tool", "name": "web.run"}, "content": {"content_type": "text", "parts": [""]},
                "recipient": "all", "metadata": {"search_result_groups": groups}}},
            "a": {"id": "a", "parent": "t", "children": [], "message": {
                "author": {"role": "assistant"}, "content": {"content_type": "text", "parts": [text]},
                "recipient": "all", "channel": "final", "metadata": {}}},
        }
        path = tmp_path / "conversations.json"
        path.write_text(json.dumps([{"id": "c1", "title": "計画", "mapping": mapping, "current_node": "a"}],
                                   ensure_ascii=False), encoding="utf-8")
        settings = Settings(fetch=FetchSettings(allow_private=True, retries=0, timeout=5, probe_soft_404=False),
                            cache=CacheSettings(directory=tmp_path / "cache"))
        report = check_paths([str(path)], settings)
    (document,) = report.documents
    dead = [f for f in document.findings if f.rule == "dead-link"]
    assert [f.url for f in dead] == [gone]
    location = dead[0].location
    assert (location.conversation, location.message, location.node) == ("c1", 2, "a")
    assert text[location.offset:].startswith("国産AIの開発支援")  # the line citing it, in the exported text
    assert {r.url: r.status.value for r in report.urls} == {good: "ok", gone: "dead"}
    assert not [f for f in document.findings if f.rule == "unsupported-claim"]  # the live source holds the claim


def test_damaged_conversations_are_read_as_far_as_they_go_never_a_crash():
    """Fields of the wrong type anywhere (seeded mutations of the fixtures): each conversation still extracts."""
    import random

    from refcheck.models import Document

    rng = random.Random(15)
    values = [None, 0, -5, 1.5, True, "", "x", "\ue200cite\ue202turn0search0\ue201", [], [None], ["a", 3], {},
              {"a": 1}]

    def mutate(value, rate):
        if isinstance(value, dict):
            return {k: rng.choice(values) if rng.random() < rate else mutate(v, rate) for k, v in value.items()}
        if isinstance(value, list):
            return [rng.choice(values) if rng.random() < rate else mutate(v, rate) for v in value]
        return value

    read = 0
    for name, format in (("chatgpt-conversations.json", Format.CHATGPT_JSON),
                         ("claude-conversations.json", Format.CLAUDE_JSON)):
        for conversation in json.loads((FIXTURES / name).read_text(encoding="utf-8")):
            for _ in range(40):
                damaged = mutate(conversation, rng.choice([0.02, 0.1, 0.3]))
                extraction = extract(Document(path="x", format=format, text=json.dumps(damaged)))
                read += extraction.conversation is not None
    assert read == 5 * 40


def test_a_directory_walk_reads_exports_and_skips_other_json(tmp_path):
    from refcheck.documents import collect_paths

    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}', encoding="utf-8")
    (tmp_path / "conversations.json").write_bytes((FIXTURES / "claude-conversations.json").read_bytes())
    (tmp_path / "saved-export").write_bytes((FIXTURES / "chatgpt-conversations.json").read_bytes())  # no extension
    assert [p.name for p in collect_paths([str(tmp_path)])] == ["conversations.json"]
    formats = [d.format for d in read_documents(tmp_path / "saved-export")]  # named on the command line: sniffed
    assert formats == [Format.CHATGPT_JSON] * 3
