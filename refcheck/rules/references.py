"""Offline rules on a document's own references, markers and links: nothing is fetched."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from refcheck.extract.urls import is_fetchable_url
from refcheck.models import Extraction, Finding, Reference
from refcheck.rules.registry import finding
from refcheck.rules.sites import looks_like_domain, name_key, url_host
from refcheck.rules.titles import is_generic_title, normalize_title
from refcheck.weburl import parse, scheme_of

# Schemes a document may link to on purpose that refcheck does not fetch: not invalid, just not web pages.
NON_WEB_SCHEMES = {"mailto", "tel", "sms", "data", "irc", "news", "urn", "doi", "isbn"}
# The chat assistants whose own answers get cited as sources (a copied answer's pill says "ChatGPT").
ASSISTANT_NAMES = ("ChatGPT", "Chat GPT", "OpenAI ChatGPT", "Claude", "Claude.ai", "Anthropic Claude", "Gemini",
                   "Google Gemini", "Bard", "Google Bard", "Copilot", "Microsoft Copilot", "Bing Chat", "Bing Copilot",
                   "Perplexity", "Perplexity AI", "Grok", "DeepSeek", "Le Chat", "Mistral Le Chat", "Meta AI")
ASSISTANT_HOSTS = ("chatgpt.com", "chat.openai.com", "claude.ai", "gemini.google.com", "bard.google.com",
                   "copilot.microsoft.com", "perplexity.ai", "grok.com", "chat.deepseek.com", "chat.mistral.ai")
_ASSISTANT_KEYS = frozenset(name_key(name) for name in ASSISTANT_NAMES)


def reference_findings(extraction: Extraction) -> list[Finding]:
    findings: list[Finding] = []
    findings += missing_references(extraction)
    findings += unused_references(extraction)
    findings += duplicate_references(extraction.references)
    for reference in extraction.references:
        findings += single_reference_findings(reference)
    findings += invalid_links(extraction)
    return findings


def missing_references(extraction: Extraction) -> Iterator[Finding]:
    known = {reference.id for reference in extraction.references}
    for marker in extraction.markers:
        if marker.ref not in known:
            yield finding("missing-reference", f"[{marker.ref}] cites a reference that the list does not have",
                          line=marker.line, ref=marker.ref)


def unused_references(extraction: Extraction) -> Iterator[Finding]:
    if not extraction.has_markers:
        return  # a format without markers cannot leave an entry uncited
    own_line = {reference.id: reference.line for reference in extraction.references}
    cited = {marker.ref for marker in extraction.markers}
    # A link that names a reference (Markdown `[text][label]`) cites it too, unless it is the entry's own URL.
    cited |= {link.ref for link in extraction.links if link.ref and link.line != own_line.get(link.ref)}
    for reference in extraction.references:
        if reference.id not in cited:
            yield finding("unused-reference", f"reference [{reference.id}] is not cited anywhere in the text",
                          line=reference.line, ref=reference.id, url=reference.url)


def duplicate_references(references: tuple[Reference, ...]) -> Iterator[Finding]:
    first_by_key: dict[tuple, Reference] = {}
    for reference in references:
        key = _identity(reference)
        if key is None:
            continue
        earlier = first_by_key.setdefault(key, reference)
        if earlier is not reference:
            what = "URL" if key[0] == "url" else "title and site"
            yield finding("duplicate-reference",
                          f"reference [{reference.id}] has the same {what} as [{earlier.id}] (line {earlier.line})",
                          line=reference.line, ref=reference.id, url=reference.url,
                          evidence={"duplicate_of": earlier.id})


def _identity(reference: Reference) -> tuple | None:
    if reference.url:
        parsed = parse(reference.url)
        if parsed is None:
            return ("url", reference.url.strip())
        path = parsed.pathname.rstrip("/") or "/"
        netloc = parsed.hostname + (f":{parsed.port}" if parsed.port is not None else "")
        return ("url", netloc.removeprefix("www."), path, parsed.search)
    if reference.title:
        return ("title", normalize_title(reference.title), normalize_title(reference.site or ""))
    return None


def cites_assistant(reference: Reference) -> str | None:
    """The assistant a reference cites as its source ("ChatGPT"), or None.

    The site (or URL) decides; a title alone decides only when nothing else is given (`"Gemini". NASA.` is a
    spacecraft, not the assistant)."""
    site_host = looks_like_domain(reference.site) or (url_host(reference.url) if reference.url else "")
    if site_host and _assistant_host(site_host):
        return site_host
    if reference.site and name_key(reference.site) in _ASSISTANT_KEYS:
        return reference.site.strip()
    if not reference.site and not reference.url and reference.title and name_key(reference.title) in _ASSISTANT_KEYS:
        return reference.title.strip()
    return None


@lru_cache(maxsize=4096)  # pure, and asked once per reference: the same few hosts again and again
def _assistant_host(host: str) -> bool:
    """The host is an assistant's or under one (`chatgpt.com`, `www.perplexity.ai`)."""
    return any(host == known or host.endswith("." + known) for known in ASSISTANT_HOSTS)


def single_reference_findings(reference: Reference) -> Iterator[Finding]:
    assistant = cites_assistant(reference)
    if assistant is not None:
        yield finding("self-citation", f"reference [{reference.id}] cites {assistant} itself: an assistant's answer "
                                       "is not a source, so what cites it has no source",
                      line=reference.line, ref=reference.id, url=reference.url,
                      evidence={"assistant": assistant, "cited_title": reference.title, "site": reference.site})
    if not reference.url and not reference.archive_url:
        yield finding("no-url", f"reference [{reference.id}] has no URL: nothing can be fetched to verify it",
                      line=reference.line, ref=reference.id)
    if reference.title and is_generic_title(reference.title, reference.site, reference.url):
        yield finding("generic-title",
                      f"reference [{reference.id}] is titled only \"{reference.title}\", the name of a site, not an article",
                      line=reference.line, ref=reference.id, url=reference.url,
                      evidence={"cited_title": reference.title, "site": reference.site})


def invalid_links(extraction: Extraction) -> Iterator[Finding]:
    seen: set[tuple[str, int]] = set()
    candidates = [(r.url, r.line, r.id) for r in extraction.references if r.url]
    candidates += [(link.url, link.line, link.ref) for link in extraction.links]
    for url, line, ref in candidates:
        if (url, line) in seen or not looks_invalid(url):
            continue
        seen.add((url, line))
        yield finding("invalid-url", f"{url!r} is not a URL that can be fetched", line=line, url=url, ref=ref)


def looks_invalid(url: str) -> bool:
    """Malformed http(s) URLs and unknown schemes; relative links, anchors and mailto: are left alone."""
    scheme = scheme_of(url)
    if not scheme or scheme in NON_WEB_SCHEMES or scheme == "file" or url.startswith(("#", "/", "./", "../")):
        return False
    if scheme in ("http", "https"):
        return not is_fetchable_url(url)
    return True
