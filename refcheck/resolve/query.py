"""Which references to look for, and what to look for them with: a `ResolveQuery` per reference.

A reference is looked for when it has no URL that can be fetched (or, with --resolve-dead, when its URL is dead
or a soft 404 and the archive had no copy). One that cites the chat assistant itself ("ChatGPT", "Claude", …) is
not a source: it is reported as `self-citation` and not looked for. The query carries what the document says: the
cited title when it names a work (not a site's name: rules/titles.py decides), the site and the domains it stands
for (the site field when it is a domain, else the publisher table), the retrieved date, and the key facts of the
text that cites it (the same facts support scoring looks for).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from refcheck.extract.entries import find_doi
from refcheck.extract.urls import is_fetchable_url
from refcheck.models import Extraction, FetchResult, Reference, UrlStatus
from refcheck.resolve.model import ResolveQuery
from refcheck.rules.references import cites_assistant  # noqa: F401  (the resolver asks it through here)
from refcheck.rules.sites import looks_like_domain, name_key, publishers_named, registrable_domain, url_host
from refcheck.rules.support import is_japanese, key_facts
from refcheck.rules.titles import is_generic_title

_MARKER = re.compile(r"\[\d{1,4}\]|\[\^?[\w-]{1,20}\]")


def needs_resolving(reference: Reference, results: dict[str, FetchResult], *, resolve_dead: bool) -> bool:
    """Whether to look for this reference's source: it has no fetchable URL (nor a copy), or — with
    `resolve_dead` — its URL is dead or a soft 404 and the archive offered no copy."""
    url = reference.url if reference.url and is_fetchable_url(reference.url) else None
    copy = reference.archive_url if reference.archive_url and is_fetchable_url(reference.archive_url) else None
    if url is None:
        return copy is None
    if not resolve_dead or copy is not None:
        return False
    result = results.get(url)
    return (result is not None and result.status in (UrlStatus.DEAD, UrlStatus.SOFT_404)
            and not result.archive_url)


def document_sites(extraction: Extraction) -> dict[str, tuple[str, ...]]:
    """Site names the document itself ties to hosts: another reference naming the same site with a URL
    (`"…". 例ウォッチ. https://www.example-watch.jp/…` tells where 例ウォッチ's other references live)."""
    hosts: dict[str, list[str]] = {}
    for reference in extraction.references:
        key = name_key(reference.site)
        url = reference.url if reference.url and is_fetchable_url(reference.url) else None
        if key and url and not looks_like_domain(reference.site):
            host = url_host(url)
            if host and host not in hosts.setdefault(key, []):
                hosts[key].append(host)
    return {key: tuple(found) for key, found in hosts.items()}


def site_domains(reference: Reference, known: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """The hosts the cited site stands for: the site field as a domain, else the publisher table's domains for the
    site's (or a site-name title's) name, else the hosts the document's other references of that site use; and a
    dead URL's own host."""
    found: list[str] = []
    written = looks_like_domain(reference.site)
    if written:
        found.append(written)
    else:
        for name in (reference.site, reference.title if not reference.site else None):
            for publisher in publishers_named(name):
                found.extend(publisher.domains)
        if not found and known:
            found.extend(known.get(name_key(reference.site or reference.title), ()))
    if reference.url and is_fetchable_url(reference.url):
        host = url_host(reference.url)
        if host and registrable_domain(host) not in {registrable_domain(d) for d in found}:
            found.append(host)
    return tuple(dict.fromkeys(found))


def citing_texts(extraction: Extraction, ref: str) -> tuple[str, ...]:
    """The text that cites `ref`: a whole paragraph or list item when it cites nothing else (exports put the
    marker after the item's last sentence), else the sentences that carry the marker."""
    texts: list[str] = []
    blocks = extraction.blocks
    for claim in extraction.claims:
        if ref not in claim.refs:
            continue
        block = blocks[claim.block] if claim.block is not None and 0 <= claim.block < len(blocks) else None
        if block is not None and block.citations and {cited for _, cited in block.citations} == {ref}:
            texts.append(block.text)
        else:
            texts.append(claim.text)
    return tuple(dict.fromkeys(texts))


def _cleaned(text: str, labels: Iterable[str]) -> str:
    """Citing text without its markers and the pill label before them ("… Impress Watch[3]" → "…")."""
    for label in sorted({label.strip() for label in labels if label and label.strip()}, key=len, reverse=True):
        text = re.sub(re.escape(label) + r"\s*(?=\[)", "", text)
    text = _MARKER.sub("", text)
    return " ".join(text.split())


def build_query(reference: Reference, extraction: Extraction,
                known_sites: dict[str, tuple[str, ...]] | None = None) -> ResolveQuery:
    """What the document says about one reference, ready for the backends. `known_sites`: `document_sites`."""
    labels = [value for value in (reference.site, reference.title) if value]
    texts = tuple(_cleaned(text, labels) for text in citing_texts(extraction, reference.id))
    texts = tuple(text for text in texts if text)
    generic = not reference.title or is_generic_title(reference.title, reference.site, reference.url)
    label_keys = {name_key(label) for label in labels}
    facts = tuple(dict.fromkeys(fact for text in texts for fact in key_facts(text)
                                if name_key(fact) not in label_keys))
    joined = " ".join(texts) or (reference.title or "")
    return ResolveQuery(
        ref=reference.id,
        cited_title=reference.title,
        specific_title=None if generic else reference.title,
        site=reference.site,
        domains=site_domains(reference, known_sites if known_sites is not None else document_sites(extraction)),
        retrieved=reference.retrieved,
        published=reference.published,
        doi=reference.doi or find_doi(reference.title) or find_doi(reference.url),
        authors=reference.authors,
        year=reference.year,
        key_facts=facts,
        citing_sentences=texts,
        language=("ja" if is_japanese(joined) else "en") if joined.strip() else None,
    )
