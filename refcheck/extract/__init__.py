"""Extraction: one pure reader per format turns a Document into an Extraction; claims come from its prose blocks."""

from __future__ import annotations

import re
from dataclasses import replace

from refcheck.models import Document, Extraction, Format


_URL = re.compile(r"(?:https?|ftp)://\S+|www\.\S+")
_WORD = re.compile(r"\w")


def _has_words_besides_urls(text: str) -> bool:
    return bool(_WORD.search(_URL.sub(" ", text)))


def extract(document: Document) -> Extraction:
    """Run the document's reader, then keep as claims the sentences that are check-worthy or cite something."""
    from refcheck.extract import chatgpt_export, claims, claude_export, html, markdown, text, wikitext

    readers = {Format.TEXT: text, Format.MARKDOWN: markdown, Format.HTML: html, Format.WIKITEXT: wikitext,
               Format.CHATGPT_JSON: chatgpt_export, Format.CLAUDE_JSON: claude_export}
    extraction = readers[document.format].extract(document)
    if document.format in (Format.MARKDOWN, Format.HTML):
        from refcheck.extract.pills import cite_pills  # ChatGPT's copied citation pills (docs/inputs.md)

        extraction = cite_pills(extraction)
    # Sentences are judged one at a time and only the kept ones are held (a big document has millions).
    kept = tuple(c for c in claims.iter_claims_from_blocks(extraction.blocks)
                 if c.check_worthy or c.refs or (c.urls and _has_words_besides_urls(c.text)))
    return replace(extraction, claims=kept)
