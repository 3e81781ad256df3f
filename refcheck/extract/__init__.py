"""Extraction: one pure reader per format turns a Document into an Extraction; claims come from its prose blocks."""

from __future__ import annotations

from dataclasses import replace

from refcheck.models import Document, Extraction, Format


def extract(document: Document) -> Extraction:
    """Run the document's reader, then keep as claims the sentences that are check-worthy or cite something."""
    from refcheck.extract import claims, html, markdown, text, wikitext

    readers = {Format.TEXT: text, Format.MARKDOWN: markdown, Format.HTML: html, Format.WIKITEXT: wikitext}
    extraction = readers[document.format].extract(document)
    kept = [c for c in claims.claims_from_blocks(extraction.blocks) if c.check_worthy or c.refs or c.urls]
    return replace(extraction, claims=tuple(kept))
