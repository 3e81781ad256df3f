"""Extraction: one pure reader per format turns a Document into an Extraction; claims come from its prose blocks."""

from __future__ import annotations

import re
from dataclasses import replace

from refcheck.models import Document, Extraction, Format, ProseBlock


_URL = re.compile(r"(?:https?|ftp)://\S+|www\.\S+")
_WORD = re.compile(r"\w")


def _has_words_besides_urls(text: str) -> bool:
    return bool(_WORD.search(_URL.sub(" ", text)))


_READERS = {Format.TEXT: "text", Format.MARKDOWN: "markdown", Format.HTML: "html", Format.WIKITEXT: "wikitext",
            Format.CHATGPT_JSON: "chatgpt_export", Format.CLAUDE_JSON: "claude_export"}  # modules of refcheck.extract


def extract(document: Document) -> Extraction:
    """Run the document's reader, then keep as claims the sentences that are check-worthy or cite something."""
    import importlib

    # Only the document's reader is loaded: the others (HTML's, wikitext's with mwparserfromhell, the exports')
    # cost ~45 ms of imports before a Markdown check's first request.
    reader = importlib.import_module(f"refcheck.extract.{_READERS[document.format]}")
    extraction = reader.extract(document)
    if document.format in (Format.MARKDOWN, Format.HTML):
        from refcheck.extract.pills import cite_pills  # ChatGPT's copied citation pills (docs/inputs.md)

        extraction = cite_pills(extraction)
    if not extraction.blocks:
        # No prose, no claims (a list of references): the claim splitter is not even loaded (~60 ms of regexes).
        return replace(extraction, claims=())
    from refcheck.extract import claims

    # Sentences are judged one at a time and only the kept ones are held (a big document has millions).
    kept = tuple(c for c in claims.iter_claims_from_blocks(extraction.blocks)
                 if c.check_worthy or c.refs or (c.urls and _has_words_besides_urls(c.text)))
    return replace(extraction, claims=kept)


_NO_BLOCK = ProseBlock(text="", line=0)  # stands in, shared, for a block that is not kept (claims keep their index)


def without_prose(extraction: Extraction) -> Extraction:
    """The extraction once its claims are made, without the prose a big document would hold twice — except each
    paragraph or list item that cites exactly one reference: that block is the text the reference stands for (an
    export puts the marker after the item's last sentence, so the sentence carrying it may say nothing), and the
    resolution stage searches and verifies with it (resolve/query.py `citing_texts`). The blocks not kept are one
    shared empty block, so that every claim's `block` index still points where it did."""
    if not extraction.blocks:
        return extraction
    blocks = tuple(block if block.citations and len({ref for _, ref in block.citations}) == 1 else _NO_BLOCK
                   for block in extraction.blocks)
    return replace(extraction, blocks=blocks)
