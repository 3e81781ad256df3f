"""The plain, typed values that pass between the pipeline's steps (read → extract → fetch → inspect → verify → report)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Format(StrEnum):
    TEXT = "text"  # conversation exports and other plain text
    MARKDOWN = "markdown"
    HTML = "html"
    WIKITEXT = "wikitext"
    CHATGPT_JSON = "chatgpt-json"  # ChatGPT's data export, conversations.json: one Document per conversation
    CLAUDE_JSON = "claude-json"  # claude.ai's data export, conversations.json: one Document per conversation


class Severity(StrEnum):
    """Ordered info < warning < error, so `--fail-on` is one comparison."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def at_least(self, other: "Severity") -> bool:
        return self.rank >= other.rank


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class UrlStatus(StrEnum):
    """Exactly the statuses of the refcheck/1 JSON contract."""

    OK = "ok"
    DEAD = "dead"
    SOFT_404 = "soft-404"
    BLOCKED = "blocked"
    TIMEOUT = "timeout"
    ERROR = "error"
    UNSAFE = "unsafe"
    INVALID = "invalid"
    EXCLUDED = "excluded"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Document:
    path: str
    format: Format
    text: str
    encoding: str = "utf-8"
    conversation: str | None = None  # a conversation export's: this conversation's id (the file holds many)
    title: str | None = None  # that conversation's title


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry of a document's reference list. `id` is a string ("3", "note-a", a wikitext ref name)."""

    id: str
    line: int
    title: str | None = None
    site: str | None = None
    url: str | None = None
    retrieved: str | None = None  # YYYY-MM-DD
    archive_url: str | None = None
    # What the entry says besides (resolution searches with them): each None/empty when it does not say.
    doi: str | None = None  # lower-case, without "https://doi.org/"
    authors: tuple[str, ...] = ()  # as written, first author first
    year: int | None = None
    published: str | None = None  # YYYY-MM-DD


@dataclass(frozen=True, slots=True)
class Marker:
    """A `[N]` (or footnote, or <ref>) citation in the prose."""

    ref: str
    line: int


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    line: int
    text: str | None = None  # anchor text, when the format has one
    ref: str | None = None  # the reference id this link belongs to, if any
    kind: str = "link"  # "link" | "asset" (an image, stylesheet, script, media: checked, never a citation)


@dataclass(frozen=True, slots=True)
class ProseBlock:
    """A paragraph or list item of prose, as a reader found it, before it is split into sentences.

    `citations` and `links` are (offset into `text`, value) pairs, so the sentence splitter can tell which
    sentence each belongs to. Lines inside the block are `line` plus the newlines before an offset.
    """

    text: str
    line: int
    speaker: str | None = None
    citations: tuple[tuple[int, str], ...] = ()  # (offset, reference id)
    links: tuple[tuple[int, str], ...] = ()  # (offset, url)


@dataclass(frozen=True, slots=True)
class Claim:
    """A sentence of prose, the references it cites, and who said it (conversation exports)."""

    text: str
    line: int
    refs: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    speaker: str | None = None  # "user" | "assistant" | None
    check_worthy: bool = False
    reasons: tuple[str, ...] = ()  # why it looks factual: "number: 1兆円", "verb: 発表", …
    block: int | None = None  # index of the ProseBlock (paragraph or list item) it came from, for block-level citations


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is in a conversation export, whose file lines mean nothing: the conversation, the message
    (1-based, as shown) and the character offset in that message's exported text where the line cited starts."""

    conversation: str  # its id in the export
    title: str | None = None
    message: int | None = None  # None: the conversation as a whole
    offset: int | None = None
    node: str | None = None  # the message's id in the export

    def describe(self) -> str:
        name = f"“{self.title}” ({self.conversation})" if self.title else self.conversation
        if self.message is None:
            return f"conversation {name}"
        return f"conversation {name}, message {self.message}, character {self.offset or 0}"


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    line: int | None = None
    url: str | None = None
    ref: str | None = None
    evidence: dict = field(default_factory=dict)
    location: Location | None = None  # set for conversation exports (models.Place), where `line` means little


@dataclass(frozen=True)
class Suppression:
    """An inline `refcheck: ignore[rule]` comment: applies to `line` (the line after the comment)."""

    line: int
    rules: tuple[str, ...] = ()  # empty: every rule


@dataclass(frozen=True)
class Extraction:
    """Everything one reader found in one document."""

    references: tuple[Reference, ...] = ()
    markers: tuple[Marker, ...] = ()
    links: tuple[Link, ...] = ()
    claims: tuple[Claim, ...] = ()
    blocks: tuple[ProseBlock, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    has_markers: bool = False  # whether the format cites by marker (for unused-reference)
    anchors: tuple[str, ...] = ()  # fragment targets the document defines: heading slugs, ids, names (local.py)
    # Conversation exports (JSON, where the file's lines mean nothing): `line` counts the lines of the visible
    # messages' text one after another, and each such line has a Place saying where it is in the export.
    places: tuple[Place, ...] = ()
    conversation: ConversationFacts | None = None


@dataclass(frozen=True, slots=True)
class Place:
    """Where a line of a conversation export's text is: the message, and the character it starts at."""

    line: int  # the line as the Extraction counts it
    message: int  # 1-based position of the message in the conversation as shown (the branch read)
    offset: int  # code points from the start of that message's text as exported (ChatGPT: its parts joined)
    node: str | None = None  # the message's id in the export (ChatGPT: the mapping key; Claude: its uuid)


@dataclass(frozen=True)
class ConversationFacts:
    """How a conversation of an export was read: which branch, and what was left out or repaired."""

    service: str  # "chatgpt" | "claude"
    messages: int = 0  # messages read (user and assistant turns of the branch shown)
    other_branches: int = 0  # branches (edits, regenerations) not read
    leaf: str | None = None  # the node the branch read ends at
    problems: tuple[str, ...] = ()  # structure that had to be worked around: no current_node, a cycle, …


@dataclass(frozen=True)
class PageFacts:
    """What the page reader learned about a fetched page."""

    title_candidates: tuple[str, ...] = ()  # best first: og:title, twitter:title, JSON-LD, <title>, <h1>
    title: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    language: str | None = None
    published: str | None = None
    main_text: str = ""
    content_type: str | None = None
    soft_404_signals: tuple[str, ...] = ()
    challenge: str | None = None  # e.g. "cloudflare", "login-wall" when the page is not the article
    page_count: int | None = None  # a PDF's pages (all of them, read or not); None for a web page
    page_starts: tuple[int, ...] = ()  # a PDF's: offset in main_text where each read page begins, so a finding can say "p. 12"
    text_read: bool = True  # False: the page was read without its main text (no claim needed it); main_text is ""
    anchors: tuple[str, ...] | None = None  # an HTML page's ids and names (`check --check-fragments`); None: not read


@dataclass(frozen=True)
class Redirect:
    url: str
    status: int


@dataclass(frozen=True)
class FetchResult:
    url: str  # as written in the document
    status: UrlStatus
    fetched_url: str | None = None  # after --remap
    http_status: int | None = None
    final_url: str | None = None
    redirects: tuple[Redirect, ...] = ()
    page: PageFacts | None = None
    from_cache: bool = False
    reason: str | None = None
    elapsed: float = 0.0
    first_failed: str | None = None  # ISO date of the first failure in the current failing streak
    failed_runs: int = 0  # runs in a row this URL has failed
    archive_url: str | None = None  # a dead or soft-404 source's archived copy (fetch/archive.py), else None
    archived_at: str | None = None  # when that copy was taken, ISO 8601 ("2025-12-26T09:30:00Z"), if known
    archive_reason: str | None = None  # why a dead source has no usable copy ("no snapshot", a timeout, …)


@dataclass(frozen=True)
class LocalResult:
    """What a local link (relative path, root-relative path, file: URL, #fragment) came to, checked on disk."""

    url: str  # as written (Link.url)
    line: int
    kind: str  # the Link's kind
    status: str  # "ok" | "dead" | "missing-fragment" | "unresolved"
    path: str | None = None  # the file it resolved to (relative to the working directory when inside it)
    fragment: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class DocumentReport:
    document: Document
    extraction: Extraction
    findings: tuple[Finding, ...] = ()
    scope: frozenset[int] | None = None  # with --changed-since: the lines checked (None: every line)
    local: tuple[LocalResult, ...] = ()  # `check`: the document's local links as checked on disk (local.py)
    # Where refcheck looked for the sources of references with no URL: (reference id, refcheck.resolve.model
    # .Resolution) pairs in reference order; a report read back from JSON holds the JSON objects instead.
    resolutions: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class BasisPart:
    """Rows of one cache table that a cache-answered run read, and a digest of them as it read them."""

    table: str  # "results" (keys: fetched URLs) or "archive_lookups" (keys: (url, timestamp) pairs)
    keys: tuple
    digest: str  # see fetch/basis.py


@dataclass(frozen=True)
class CacheBasis:
    """What a run answered wholly from the cache, without the network, rests on: the rows it read.

    A later run may reuse its report only while every part's rows give the same digest again (fetch/basis.py) and
    all of them are still fresh: before `fresh_until`, and not before `newest` (a clock moved back).
    """

    parts: tuple[BasisPart, ...]
    fresh_until: float  # unix time the first of the rows goes stale
    newest: float  # unix time the latest of them was stored

    def joined(self, other: CacheBasis) -> CacheBasis:
        return CacheBasis(self.parts + other.parts, min(self.fresh_until, other.fresh_until),
                          max(self.newest, other.newest))


@dataclass(frozen=True)
class Report:
    command: str  # "extract" | "check"
    documents: tuple[DocumentReport, ...]
    urls: tuple[FetchResult, ...] = ()
    notices: tuple[str, ...] = ()  # run-level messages, e.g. "no network: nothing was reachable"
    cache_basis: CacheBasis | None = None  # set when every result came from fresh cache entries and nothing else
