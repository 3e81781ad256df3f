"""Conversation exports (`conversations.json` of ChatGPT and of claude.ai): tell them apart, and stream them.

Both services ship a file of that name, a JSON array of conversations (ChatGPT's is sometimes an object with a
`conversations` key). They are told apart by structure, not by name: ChatGPT's conversations have a `mapping` of
message nodes, Claude's a `chat_messages` list (docs/inputs.md). A real export is one minified line and may be
hundreds of megabytes, so it is never read whole: `ijson` yields one conversation at a time, and each becomes its
own Document, holding that conversation's JSON only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from refcheck.errors import InputError
from refcheck.models import Document, Format

SNIFF_BYTES = 1 << 20  # the first conversation's keys are within this much of a real export's start
_CHATGPT_KEY = re.compile(rb'"(?:mapping|current_node)"\s*:')
_CLAUDE_KEY = re.compile(rb'"chat_messages"\s*:')
_OPENING = re.compile(rb"\s*(?:\xef\xbb\xbf)?\s*([\[{])")


def sniff(head: bytes) -> Format | None:
    """The export format the start of a file shows, or None when it is not a conversation export."""
    opening = _OPENING.match(head)
    if opening is None:
        return None
    chatgpt, claude = _CHATGPT_KEY.search(head), _CLAUDE_KEY.search(head)
    if chatgpt and (not claude or chatgpt.start() < claude.start()):
        return Format.CHATGPT_JSON
    if claude:
        return Format.CLAUDE_JSON
    return None


def sniff_file(path: Path) -> Format | None:
    try:
        with open(path, "rb") as stream:
            return sniff(stream.read(SNIFF_BYTES))
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None


def read_conversations(path: Path, format: Format, wanted: tuple[str, ...] = (),
                       matched: set[str] | None = None) -> Iterator[Document]:
    """One Document per conversation of the export at `path`, read as a stream (bounded memory).

    `wanted`: conversation ids or titles to keep (all when empty); each one that matched is added to `matched`.
    A file that is not valid JSON (truncated, damaged) raises InputError naming where it broke.
    """
    import ijson  # here: only a run that reads an export pays for it

    try:
        stream = open(path, "rb")
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    with stream:
        head = stream.read(SNIFF_BYTES)
        opening = _OPENING.match(head)
        stream.seek(0)
        if head.startswith(b"\xef\xbb\xbf"):
            stream.read(3)
        if opening is None:
            raise InputError(f"{path}: not a conversation export (not a JSON array or object)")
        prefix = "item" if opening.group(1) == b"[" else "conversations.item"
        del head, opening  # the generator lives as long as the export is read: keep nothing of its size
        index = 0
        try:
            for index, conversation in enumerate(ijson.items(stream, prefix, use_float=True), start=1):
                if not isinstance(conversation, dict):
                    raise InputError(f"{path}: conversation {index} is not a JSON object: not a {_NAMES[format]} export")
                ident, title = _identity(conversation, format, index)
                if wanted and not _chosen(ident, title, wanted, matched):
                    continue
                yield Document(path=str(path), format=format, text=json.dumps(conversation, ensure_ascii=False),
                               conversation=ident, title=title)
        except ijson.common.IncompleteJSONError as error:
            raise InputError(f"{path}: truncated or damaged JSON after conversation {index}: "
                             f"{_first_line(error)}") from None
        except ijson.common.JSONError as error:
            raise InputError(f"{path}: not valid JSON after conversation {index}: {_first_line(error)}") from None
        except UnicodeDecodeError as error:
            raise InputError(f"{path}: not UTF-8 JSON after conversation {index}: {error.reason}") from None
        if index == 0 and prefix == "conversations.item":
            yield from _single_conversation(stream, path, format, wanted, matched)


def _single_conversation(stream, path: Path, format: Format, wanted: tuple[str, ...],
                         matched: set[str] | None) -> Iterator[Document]:
    """A file that is one conversation object (saved from the web API rather than the account export)."""
    import ijson

    stream.seek(0)
    try:
        conversation = next(ijson.items(stream, "", use_float=True), None)
    except ijson.common.JSONError as error:
        raise InputError(f"{path}: not valid JSON: {_first_line(error)}") from None
    key = "mapping" if format is Format.CHATGPT_JSON else "chat_messages"
    if not isinstance(conversation, dict) or key not in conversation:
        raise InputError(f"{path}: a JSON object with neither a `conversations` list nor `{key}`: "
                         f"not a {_NAMES[format]} export")
    ident, title = _identity(conversation, format, 1)
    if not wanted or _chosen(ident, title, wanted, matched):
        yield Document(path=str(path), format=format, text=json.dumps(conversation, ensure_ascii=False),
                       conversation=ident, title=title)


_NAMES = {Format.CHATGPT_JSON: "ChatGPT", Format.CLAUDE_JSON: "Claude"}


def _identity(conversation: dict, format: Format, index: int) -> tuple[str, str | None]:
    keys = ("conversation_id", "id") if format is Format.CHATGPT_JSON else ("uuid", "id")
    ident = next((str(conversation[k]) for k in keys if isinstance(conversation.get(k), (str, int))), None)
    title = conversation.get("title") if format is Format.CHATGPT_JSON else conversation.get("name")
    return ident or f"#{index}", title if isinstance(title, str) else None


def _chosen(ident: str, title: str | None, wanted: tuple[str, ...], matched: set[str] | None) -> bool:
    hits = [w for w in wanted if w == ident or (title is not None and w == title)]
    if matched is not None:
        matched.update(hits)
    return bool(hits)


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__
