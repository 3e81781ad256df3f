"""Read one conversation of a ChatGPT data export (`conversations.json`) into references, markers, claims.

The shapes relied on (sources in docs/inputs.md): a conversation's `mapping` is a tree of nodes
`{id, parent, children, message}`; `current_node` is the leaf the person last saw, and the conversation as shown
is the parent chain from it. Only user and assistant messages that the page shows are read: not tool output,
hidden system messages, tool calls (`recipient` other than `all`), reasoning (`channel` other than `final`), code,
thoughts or browsing displays. Citations come in two generations:

* since late 2024, private-use markers in the text (U+E200 opens, U+E202 separates keys, U+E201 closes:
  `\\ue200cite\\ue202turn0search3\\ue202turn0news12\\ue201`) with `metadata.content_references` entries
  (`matched_text`, `start_idx`/`end_idx` in code points, `type`, `items[]` of title/url/attribution/pub_date);
  a marker with no entry is looked up by its keys (`turn<N><kind><M>`) in the `search_result_groups` of the
  branch's messages;
* 2023 to early 2024, `【3:0†source】` markers with `metadata.citations[]` (`start_ix`/`end_ix`, `metadata`
  title/url), or else the browsing tool's `_cite_metadata.metadata_list`.
"""

from __future__ import annotations

import json
import re

from refcheck.extract.conversation import ConversationBuilder, Source, Span, as_dict, as_list, date_of, text_of
from refcheck.models import ConversationFacts, Document, Extraction

_MARKER = re.compile("\ue200([^\ue200\ue201\ue202]*)((?:\ue202[^\ue200\ue201\ue202]*)*)\ue201")
_STRAY = re.compile("[\ue200-\ue206]")  # highlight wrappers (U+E203/E204), U+E206, broken marker halves
_KEY = re.compile(r"turn(\d+)([a-z_]+?)(\d+)")
_LEGACY = re.compile(r"【(\d+)(?::(\d+))?†([^†【】]*)[^【】]*?】")
_SHOWN_CONTENT = frozenset({"text", "multimodal_text"})
# content_references types whose entry is a source cited where its matched_text stands.
_CITING = frozenset({"grouped_webpages", "grouped_webpages_model_predicted_fallback", "webpage", "webpage_extended",
                     "url"})


def extract(document: Document) -> Extraction:
    try:
        conversation = json.loads(document.text)
    except ValueError:
        conversation = None
    if not isinstance(conversation, dict):
        return Extraction(conversation=ConversationFacts("chatgpt", problems=("not a conversation object",)))
    mapping = conversation.get("mapping")
    if not isinstance(mapping, dict) or not mapping:
        return Extraction(conversation=ConversationFacts("chatgpt", problems=("it has no `mapping` of messages",)))
    branch, facts = walk(mapping, conversation.get("current_node"))
    builder = ConversationBuilder("chatgpt")
    searches = _search_results(mapping, branch)
    browsing: list = []  # the legacy browsing tool's latest result list
    for node_id in branch:
        message = as_dict(mapping.get(node_id)).get("message")
        if not isinstance(message, dict):
            continue
        metadata = message.get("metadata") if isinstance(message.get("metadata"), dict) else {}
        cite = metadata.get("_cite_metadata")
        if isinstance(cite, dict) and isinstance(cite.get("metadata_list"), list):
            browsing = cite["metadata_list"]
        role = shown_role(message)
        if role is None:
            continue
        text = message_text(message)
        spans, footnote = _spans(text, metadata, searches, browsing)
        builder.message(role, text, node_id, spans, extra_sources=tuple(footnote))
    return builder.extraction(ConversationFacts("chatgpt", messages=builder.messages,
                                                other_branches=facts.other_branches, leaf=facts.leaf,
                                                problems=facts.problems))


# ---- the branch shown --------------------------------------------------------------------------------------


def walk(mapping: dict, current) -> tuple[list[str], ConversationFacts]:
    """The node ids from the root to the leaf shown, and what the walk had to work around."""
    problems: list[str] = []
    leaves = [key for key, node in mapping.items() if not _children(node, mapping)]
    if isinstance(current, str) and current in mapping:
        leaf = current
    else:
        leaf = _newest(leaves, mapping) if leaves else next(iter(mapping))
        said = "it has no current_node" if not current else f"its current_node {current} is not in mapping"
        problems.append(f"{said}: read the branch ending at the newest message ({leaf})")
    chain: list[str] = []
    seen: set[str] = set()
    node_id = leaf
    while isinstance(node_id, str) and node_id in mapping:
        if node_id in seen:
            problems.append(f"its parent links loop back to node {node_id}: read the branch from there on")
            break
        seen.add(node_id)
        chain.append(node_id)
        node = mapping[node_id]
        node_id = as_dict(node).get("parent")
    else:
        if isinstance(node_id, str):
            problems.append(f"the branch starts below node {node_id}, which is not in mapping: earlier messages are missing")
    chain.reverse()
    other = len(leaves) - (1 if leaf in leaves else 0)
    return chain, ConversationFacts("chatgpt", other_branches=max(other, 0), leaf=leaf, problems=tuple(problems))


def _children(node, mapping: dict) -> list[str]:
    children = node.get("children") if isinstance(node, dict) else None
    return [child for child in children if isinstance(child, str) and child in mapping] if isinstance(children, list) else []


def _newest(leaves: list[str], mapping: dict) -> str:
    def created(key: str) -> float:
        message = as_dict(mapping.get(key)).get("message")
        value = message.get("create_time") if isinstance(message, dict) else None
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0

    best = leaves[0]
    for key in leaves[1:]:
        if created(key) >= created(best):  # ties: the later in the mapping
            best = key
    return best


# ---- which messages, and their text ------------------------------------------------------------------------


def shown_role(message: dict) -> str | None:
    """"user" or "assistant" for a message the conversation shows; None for tools, system, reasoning, code."""
    author = message.get("author") if isinstance(message.get("author"), dict) else {}
    role = author.get("role")
    if role not in ("user", "assistant"):
        return None
    metadata = message.get("metadata") if isinstance(message.get("metadata"), dict) else {}
    if metadata.get("is_visually_hidden_from_conversation"):
        return None
    if message.get("recipient") not in (None, "all"):
        return None  # a call to a tool (web, python, canmore…), not the answer
    if message.get("channel") not in (None, "final"):
        return None  # reasoning ("analysis", "commentary")
    content = message.get("content") if isinstance(message.get("content"), dict) else {}
    if not isinstance(content.get("content_type"), str) or content["content_type"] not in _SHOWN_CONTENT:
        return None
    return role


def message_text(message: dict) -> str:
    """The message's text parts joined with newlines (images and other assets in `parts` are not text)."""
    content = message.get("content") if isinstance(message.get("content"), dict) else {}
    parts = content.get("parts")
    if not isinstance(parts, list):
        return content.get("text") if isinstance(content.get("text"), str) else ""
    return "\n".join(part for part in parts if isinstance(part, str))


# ---- citations ---------------------------------------------------------------------------------------------


def _search_results(mapping: dict, branch: list[str]) -> dict[tuple[int, str, int], Source]:
    """`turn<N><kind><M>` → the search result it names, from every `search_result_groups` on the branch."""
    found: dict[tuple[int, str, int], Source] = {}
    for node_id in branch:
        message = as_dict(mapping.get(node_id)).get("message")
        metadata = message.get("metadata") if isinstance(message, dict) else None
        groups = metadata.get("search_result_groups") if isinstance(metadata, dict) else None
        for group in groups if isinstance(groups, list) else ():
            entries = group.get("entries") if isinstance(group, dict) else None
            for entry in entries if isinstance(entries, list) else ():
                if not isinstance(entry, dict) or not isinstance(entry.get("ref_id"), dict):
                    continue
                key = _ref_key(entry["ref_id"])
                if key is not None:
                    found.setdefault(key, _source(entry))
        # A pill's items name the keys they stand for too: a marker elsewhere with one of those keys cites them.
        references = metadata.get("content_references") if isinstance(metadata, dict) else None
        for entry in references if isinstance(references, list) else ():
            items = entry.get("items") if isinstance(entry, dict) else None
            for item in items if isinstance(items, list) else ():
                if isinstance(item, dict) and text_of(item.get("url")):
                    for ref in as_list(item.get("refs")):
                        key = _ref_key(ref)
                        if key is not None:
                            found.setdefault(key, _source(item))
    return found


def _ref_key(ref) -> tuple[int, str, int] | None:
    if not isinstance(ref, dict):
        return None
    turn, kind, index = ref.get("turn_index"), ref.get("ref_type"), ref.get("ref_index")
    if isinstance(turn, int) and isinstance(kind, str) and isinstance(index, int):
        return turn, kind, index
    return None


def _source(item: dict) -> Source:
    return Source(url=text_of(item.get("url")), title=text_of(item.get("title")),
                  site=text_of(item.get("attribution")), published=date_of(item.get("pub_date")))


def _entry_sources(entry: dict, searches: dict) -> list[Source | str]:
    """The sources behind one content_references pill: its items and their supporting pages, else the entry."""
    sources: list[Source | str] = []
    for list_name in ("items", "fallback_items"):
        items = entry.get(list_name)
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, dict):
                continue
            if text_of(item.get("url")):
                sources.append(_source(item))
            else:
                for ref in as_list(item.get("refs")):
                    key = _ref_key(ref)
                    if key in searches:
                        sources.append(searches[key])
            for more in as_list(item.get("supporting_websites")):
                if isinstance(more, dict) and text_of(more.get("url")):
                    sources.append(_source(more))
    if not sources and text_of(entry.get("url")):
        sources.append(_source(entry))
    if not sources:
        urls = [u for u in as_list(entry.get("safe_urls")) if isinstance(u, str) and u.strip()]
        sources.extend(Source(url=u.strip()) for u in urls[:1])
    return sources


def _spans(text: str, metadata: dict, searches: dict, browsing: list) -> tuple[list[Span], list[Source]]:
    spans: list[Span] = []
    footnote: list[Source] = []
    taken: list[tuple[int, int]] = []
    references = metadata.get("content_references")
    for entry in references if isinstance(references, list) else ():
        if not isinstance(entry, dict):
            continue
        kind, matched = entry.get("type"), entry.get("matched_text")
        if kind == "sources_footnote":
            footnote.extend(_source(s) for s in as_list(entry.get("sources")) if isinstance(s, dict) and text_of(s.get("url")))
            continue
        if not isinstance(matched, str) or not matched.strip():
            continue
        where = _locate(text, entry.get("start_idx"), entry.get("end_idx"), matched, taken)
        if where is None:
            continue
        taken.append(where)
        is_marker = bool(_STRAY.search(matched)) or bool(_LEGACY.fullmatch(matched))
        sources = tuple(_entry_sources(entry, searches)) if isinstance(kind, str) and kind in _CITING else ()
        if not is_marker and not sources:
            continue  # the model's own words, citing nothing: left as they are
        spans.append(Span(where[0], where[1], sources, keep=not is_marker,
                          replacement=_entity_name(matched) if is_marker else ""))
    citations = metadata.get("citations")
    for citation in citations if isinstance(citations, list) else ():
        if not isinstance(citation, dict):
            continue
        start, end = citation.get("start_ix"), citation.get("end_ix")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            continue
        if any(start < e and s < end for s, e in taken):
            continue
        meta = citation.get("metadata") if isinstance(citation.get("metadata"), dict) else {}
        source = _source(meta) if text_of(meta.get("url")) or text_of(meta.get("title")) else None
        taken.append((start, end))
        spans.append(Span(start, end, (source,) if source else ()))
    # Markers no entry described: resolved through the search results, or kept as missing references.
    for match in _MARKER.finditer(text):
        if any(match.start() < e and s < match.end() for s, e in taken):
            continue
        kind, keys = match.group(1), [k for k in match.group(2).split("\ue202") if k]
        sources: list[Source | str] = []
        if kind == "cite":
            for key in keys:
                parsed = _KEY.fullmatch(key)
                resolved = searches.get((int(parsed.group(1)), parsed.group(2), int(parsed.group(3)))) if parsed else None
                sources.append(resolved or key)
        taken.append(match.span())
        spans.append(Span(match.start(), match.end(), tuple(sources), replacement=_entity_name(match.group(0))))
    for match in _LEGACY.finditer(text):
        if any(match.start() < e and s < match.end() for s, e in taken):
            continue
        index = int(match.group(2) if match.group(2) is not None else match.group(1))
        item = browsing[index] if 0 <= index < len(browsing) and isinstance(browsing[index], dict) else None
        source: Source | str = _source(item) if item and text_of(item.get("url")) else match.group(0)
        taken.append(match.span())
        spans.append(Span(match.start(), match.end(), (source,)))
    for match in _STRAY.finditer(text):  # what is left of the private-use characters is not prose
        if not any(s <= match.start() < e for s, e in taken):
            spans.append(Span(match.start(), match.end()))
    return spans, footnote


def _locate(text: str, start, end, matched: str, taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Where an entry's `matched_text` is: at its offsets when they hold it, else its first free occurrence."""
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text) \
            and text[start:end] == matched and not any(start < e and s < end for s, e in taken):
        return start, end
    position = text.find(matched)
    while position != -1:
        span = (position, position + len(matched))
        if not any(span[0] < e and s < span[1] for s, e in taken):
            return span
        position = text.find(matched, position + 1)
    return None


def _entity_name(marker: str) -> str:
    """`\\ue200entity\\ue202["turn0business0","Charkop Mangroves"]\\ue201` shows as its name; other markers as nothing."""
    match = _MARKER.fullmatch(marker)
    if not match or match.group(1) != "entity":
        return ""
    keys = [k for k in match.group(2).split("\ue202") if k]
    try:
        value = json.loads(keys[0]) if keys else None
    except ValueError:
        return ""
    names = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    return names[-1] if len(names) > 1 else ""
