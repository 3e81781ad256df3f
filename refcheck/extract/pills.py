"""ChatGPT's citation pills in a copied answer: links that cite, turned into references and markers.

ChatGPT's copy button writes each pill as `([Site](https://…?utm_source=chatgpt.com))` after the sentence it
supports, and a shared conversation saved from the browser has the same links as `<a href="…utm_source=chatgpt.com">`
(docs/inputs.md). The Markdown and HTML readers find them as ordinary links; here each distinct URL becomes a
reference (its site: the pill's label), each pill a marker and a citation of the sentence it follows, and the
pill's label leaves the prose so the sentence reads as the answer showed it.
"""

from __future__ import annotations

from dataclasses import replace

from refcheck.extract.conversation import without_tracking
from refcheck.models import Extraction, Link, Marker, ProseBlock, Reference

PILL_TAG = "utm_source=chatgpt.com"


def is_pill(url: str) -> bool:
    return PILL_TAG in url


def cite_pills(extraction: Extraction) -> Extraction:
    """The extraction with its ChatGPT pills as references and markers; unchanged when it has none."""
    taken = {reference.id for reference in extraction.references}
    if not any(is_pill(link.url) and (link.ref is None or link.ref in taken) for link in extraction.links):
        return extraction
    numbers = [int(ref) for ref in taken if ref.isdigit()]
    next_number = max(numbers, default=0) + 1
    ids: dict[str, str] = {}
    references = list(extraction.references)
    links, markers = [], list(extraction.markers)
    for link in extraction.links:
        if not is_pill(link.url) or (link.ref is not None and link.ref not in taken):
            links.append(link)
            continue
        key = without_tracking(link.url)
        if link.ref is not None:  # `[Site][1]` with `[1]: url "title"` (the 2024–25 copy): that definition is cited
            ids.setdefault(key, link.ref)
            markers.append(Marker(ref=link.ref, line=link.line))
            links.append(link)
            continue
        ref = ids.get(key)
        if ref is None:
            while str(next_number) in taken:
                next_number += 1
            ref = ids[key] = str(next_number)
            taken.add(ref)
            references.append(Reference(id=ref, line=link.line, site=link.text, url=link.url))
        links.append(replace(link, ref=ref))
        markers.append(Marker(ref=ref, line=link.line))
    labels: dict[str, str] = {}
    for link in extraction.links:
        if link.text and is_pill(link.url):
            labels.setdefault(link.url, link.text)
    blocks = tuple(_cite_in_block(block, ids, labels) for block in extraction.blocks)
    return replace(extraction, references=tuple(references), links=tuple(links), markers=tuple(markers),
                   blocks=blocks, has_markers=True)


def _cite_in_block(block: ProseBlock, ids: dict[str, str], labels: dict[str, str]) -> ProseBlock:
    pills = [(offset, url) for offset, url in block.links if is_pill(url) and without_tracking(url) in ids]
    if not pills:
        return block
    text = block.text
    removed: list[tuple[int, int]] = []  # (start, length) cut from the text, in order
    cuts = []  # (where the pill was, its reference)
    for offset, url in pills:
        start, end = _label_span(text, offset, labels.get(url))
        cuts.append((start, ids[without_tracking(url)]))
        if end > start:
            removed.append((start, end - start))
    kept_links = tuple((offset, url) for offset, url in block.links if (offset, url) not in pills)

    def moved(offset: int) -> int:
        shift = sum(length for start, length in removed if start + length <= offset)
        return offset - shift

    if removed:
        pieces, cursor = [], 0
        for start, length in removed:
            pieces.append(text[cursor:start])
            cursor = start + length
        pieces.append(text[cursor:])
        text = "".join(pieces)
    citations = []
    for start, ref in cuts:  # each cites the sentence that ends before it, in the text without the pills
        anchor = moved(start) - 1
        while anchor > 0 and text[anchor].isspace():
            anchor -= 1
        citations.append((max(anchor, 0), ref))
    all_citations = sorted([(moved(o), r) for o, r in block.citations] + citations, key=lambda pair: pair[0])
    return replace(block, text=text, citations=tuple(all_citations),
                   links=tuple((moved(o), url) for o, url in kept_links))


def _label_span(text: str, offset: int, label: str | None) -> tuple[int, int]:
    """The pill's label at `offset`, with the parentheses and the space before it that the copy added; an empty
    span when the text there is not the label (nothing is cut then, the citation is still made)."""
    if not label or not text.startswith(label, offset):
        return offset, offset
    start, end = offset, offset + len(label)
    if start > 0 and text[start - 1] == "(" and text[end:end + 1] == ")":
        start, end = start - 1, end + 1
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    return start, end
