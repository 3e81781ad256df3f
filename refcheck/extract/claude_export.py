"""Read one conversation of a claude.ai data export (`conversations.json`) into references, markers, claims.

The shapes relied on (sources in docs/inputs.md): a conversation is `{uuid, name, chat_messages[]}`; a message
`{uuid, sender: "human"|"assistant", text, content[], created_at, parent_message_uuid}`. The answer is in the
`content` blocks of type `text` (the message-level `text` may hold thinking or a placeholder, so it is read only
when there are no blocks); `thinking`, `tool_use`, `tool_result` and `token_budget` blocks are not the answer.
A text block's `citations[]` = `{start_index, end_index, details: {type: "web_search_citation", url}}` cite the
words at those offsets; the title and site of each URL come from the `web_search` tool results (`content[]` of
`{type: "knowledge", title, url, metadata: {site_name, site_domain}}`) anywhere in the conversation.

Branches: where `parent_message_uuid` links every message, the branch read is the one ending at the newest
message, and the others are counted; otherwise the messages are read in their listed order.
"""

from __future__ import annotations

import json

from refcheck.extract.conversation import (ConversationBuilder, Source, Span, as_list, date_of, text_of,
                                           without_tracking)
from refcheck.models import ConversationFacts, Document, Extraction

_ROLES = {"human": "user", "user": "user", "assistant": "assistant"}
BLOCK_SEPARATOR = "\n\n"  # a message's text blocks are read joined by this; offsets count in that text


def extract(document: Document) -> Extraction:
    try:
        conversation = json.loads(document.text)
    except ValueError:
        conversation = None
    if not isinstance(conversation, dict):
        return Extraction(conversation=ConversationFacts("claude", problems=("not a conversation object",)))
    messages = conversation.get("chat_messages")
    if not isinstance(messages, list):
        return Extraction(conversation=ConversationFacts("claude", problems=("it has no `chat_messages` list",)))
    messages = [m for m in messages if isinstance(m, dict)]
    branch, other, problems = _branch(messages)
    results = _search_results(branch)
    builder = ConversationBuilder("claude")
    for message in branch:
        sender = message.get("sender")
        role = _ROLES.get(sender) if isinstance(sender, str) else None
        if role is None:
            continue
        text, spans = _text_and_spans(message, results)
        if not text.strip():
            continue
        node = message.get("uuid") if isinstance(message.get("uuid"), str) else None
        builder.message(role, text, node, spans)
    leaf = branch[-1].get("uuid") if branch else None
    return builder.extraction(ConversationFacts("claude", messages=builder.messages, other_branches=other,
                                                leaf=leaf if isinstance(leaf, str) else None,
                                                problems=tuple(problems)))


def _branch(messages: list[dict]) -> tuple[list[dict], int, list[str]]:
    by_id = {m["uuid"]: m for m in messages if isinstance(m.get("uuid"), str)}
    linked = len(messages) > 1 and all(isinstance(m.get("parent_message_uuid"), str) for m in messages[1:]) \
        and all(m.get("parent_message_uuid") in by_id for m in messages[1:])
    if not linked:
        return messages, 0, []
    parents = {m["parent_message_uuid"] for m in messages if isinstance(m.get("parent_message_uuid"), str)}
    leaves = [m for m in messages if not (isinstance(m.get("uuid"), str) and m["uuid"] in parents)]
    if not leaves:
        return messages, 0, ["its parent links loop: read the messages in their listed order"]
    leaf = max(enumerate(leaves), key=lambda pair: (str(pair[1].get("created_at") or ""), pair[0]))[1]
    chain, seen, problems = [], set(), []
    current = leaf
    while current is not None:
        if id(current) in seen:
            problems.append(f"its parent links loop back to message {current.get('uuid')}: read the branch from there on")
            break
        seen.add(id(current))
        chain.append(current)
        parent = current.get("parent_message_uuid")
        current = by_id.get(parent) if isinstance(parent, str) else None
    chain.reverse()
    return chain, len(leaves) - 1, problems


def _search_results(messages: list[dict]) -> dict[str, Source]:
    """URL (without tracking) → what the web search tool said of it, from every tool_result on the branch."""
    found: dict[str, Source] = {}
    for message in messages:
        for block in _blocks(message):
            if block.get("type") != "tool_result" or not isinstance(block.get("content"), list):
                continue
            for item in block["content"]:
                if not isinstance(item, dict) or not text_of(item.get("url")):
                    continue
                meta = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
                context = item.get("prompt_context_metadata") if isinstance(item.get("prompt_context_metadata"), dict) else {}
                source = Source(url=item["url"].strip(), title=text_of(item.get("title")),
                                site=text_of(meta.get("site_name")) or text_of(meta.get("site_domain")),
                                published=date_of(context.get("age")))
                found.setdefault(without_tracking(source.url), source)
    return found


def _blocks(message: dict) -> list[dict]:
    content = message.get("content")
    return [block for block in content if isinstance(block, dict)] if isinstance(content, list) else []


def _text_and_spans(message: dict, results: dict[str, Source]) -> tuple[str, list[Span]]:
    texts = [block for block in _blocks(message) if block.get("type") == "text" and isinstance(block.get("text"), str)]
    if not texts:
        text = message.get("text")
        return (text if isinstance(text, str) else ""), []
    parts, spans, offset = [], [], 0
    for block in texts:
        if parts:
            offset += len(BLOCK_SEPARATOR)
        body = block["text"]
        by_span: dict[tuple[int, int], list[Source]] = {}
        for citation in as_list(block.get("citations")):
            if not isinstance(citation, dict):
                continue
            details = citation.get("details") if isinstance(citation.get("details"), dict) else {}
            url = text_of(details.get("url")) or text_of(citation.get("url"))
            start, end = citation.get("start_index"), citation.get("end_index")
            if not url or not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(body)):
                continue
            source = results.get(without_tracking(url)) or Source(
                url=url, title=text_of(citation.get("title")) or text_of(details.get("title")))
            by_span.setdefault((start, end), []).append(source)
        for (start, end), sources in by_span.items():
            spans.append(Span(offset + start, offset + end, tuple(sources), keep=True))
        parts.append(body)
        offset += len(body)
    return BLOCK_SEPARATOR.join(parts), _disjoint(spans)


def _disjoint(spans: list[Span]) -> list[Span]:
    """Claude's cited spans may overlap (two claims sharing words); each citation is kept, at its span's end."""
    ordered = sorted(spans, key=lambda s: (s.end, s.start))
    result: list[Span] = []
    for span in ordered:
        start = max(span.start, result[-1].end if result else 0)
        if start >= span.end:  # wholly inside the previous one: its citation sits at the same end
            start = span.end - 1
            if result and result[-1].end > start:
                previous = result.pop()
                result.append(Span(previous.start, previous.end, previous.sources + span.sources, keep=True))
                continue
        result.append(Span(start, span.end, span.sources, keep=True))
    return result
