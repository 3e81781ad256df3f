"""Scholarly references: DOIs in any spelling, whether a reference is scholarly, and how well a record fits it.

Pure functions used by the Crossref and OpenAlex backends and by the resolver:

* `find_doi(text)`: the first DOI in `doi:10.…`, `https://doi.org/…`, `dx.doi.org/…` or bare form, lower-cased,
  trailing punctuation trimmed (an unbalanced closing bracket too), arXiv's version suffix dropped.
* `record_mismatches(query, record)`: which of "title", "first author", "year" a DOI's record contradicts.
* `record_matches(query, record)`: a score in [0, 1] for ranking bibliographic-search candidates; a record is a
  confident match at `CONFIDENT` or above, and a fabricated title scores below it whatever its author and year.
* `is_scholarly(query)`: a DOI, a journal-ish site, arXiv/bioRxiv, a volume/pages citation, or authors and a year
  without a web domain (a newspaper byline comes with the paper's domains).

Titles are compared after NFKC, case folding, accent folding of Latin letters, punctuation → space and HTML tags
dropped (Crossref titles carry `<i>`, `<sub>`); a subtitle left out on one side ("BERT" vs "BERT: Pre-training…")
still matches when the main title is substantial. First authors are compared by family name, and only when both
are written in the same script (a romanised name cannot be checked against kanji without a transliterator).
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

from rapidfuzz import fuzz

from refcheck.resolve.model import ResolveQuery, ScholarlyRecord

TITLE_MATCH = 0.90  # title similarity at or above which a record's title is the cited title
CONFIDENT = 0.85  # record_matches at or above which a bibliographic-search candidate is the cited work
_FAMILY_FUZZ = 85  # rapidfuzz ratio for family names after folding (Schoelkopf/Scholkopf, Mueller/Muller)

# ── DOIs ──────────────────────────────────────────────────────────────────────────────────────────────────

# Crossref's advice: /^10.\d{4,9}/[-._;()/:A-Z0-9]+$/i matches 74.4M of 74.9M DOIs; text around a DOI is what
# needs care here, so anything up to white space, quotes, angle brackets or CJK text is taken, then trimmed.
_DOI = re.compile(r"10\.\d{4,9}/[^\s\"'<>\u3000-\u30ff\u3400-\u9fff\uff01-\uff60]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_ARXIV_VERSION = re.compile(r"^(10\.48550/arxiv\.\S+?)v\d+$")
# Registered with DataCite, not Crossref: a Crossref miss on these says nothing about the work.
DATACITE_PREFIXES = ("10.48550/", "10.5281/", "10.6084/", "10.17605/", "10.5061/", "10.13140/")


def find_doi(text: str | None) -> str | None:
    """The first DOI in `text`, lower-case and without a resolver prefix, or None."""
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text)
    if "%2f" in text.lower():  # https://doi.org/10.1000%2Fabc
        text = unquote(text)
    match = _DOI.search(text)
    if match is None:
        return None
    doi = match.group(0)
    while doi:
        last = doi[-1]
        if last in _TRAILING:
            doi = doi[:-1]
        elif last in _CLOSERS and doi.count(last) > doi.count(_CLOSERS[last]):
            doi = doi[:-1]
        else:
            break
    doi = doi.lower()
    version = _ARXIV_VERSION.match(doi)
    if version:
        doi = version.group(1)  # arXiv's versioned DOI (…v2) does not resolve; the unversioned one does
    return doi if "/" in doi and len(doi.split("/", 1)[1]) > 0 else None


def is_datacite(doi: str) -> bool:
    return doi.lower().startswith(DATACITE_PREFIXES)


# ── text folding ──────────────────────────────────────────────────────────────────────────────────────────

_TAGS = re.compile(r"<[^>]{0,200}>")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_NOT_WORD = re.compile(r"[\W_]+")
_LATIN_EXTRA = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "þ": "th", "ı": "i"})


def plain(text: str | None) -> str:
    """Markup-free text: HTML/JATS/MathML tags dropped, entities decoded, white space collapsed."""
    if not text:
        return ""
    return " ".join(html.unescape(_TAGS.sub(" ", text)).split())


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """NFKC, case-folded, Latin accents dropped (ö → o; Japanese kana keep their marks), markup removed."""
    text = unicodedata.normalize("NFKC", plain(text)).casefold().translate(_LATIN_EXTRA)
    return "".join(
        unicodedata.normalize("NFKD", c)[0] if "\u00c0" <= c <= "\u024f" else c for c in text
    )


def _key(text: str) -> str:
    """Words separated by single spaces; no spaces at all in CJK text (its writers put none between words)."""
    words = _NOT_WORD.sub(" ", fold(text)).split()
    joined = " ".join(words)
    return joined.replace(" ", "") if _CJK.search(joined) else joined


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


# ── titles ────────────────────────────────────────────────────────────────────────────────────────────────

# Where a subtitle starts: "Main: Sub", "Main：Sub", "Main - Sub", "Main — Sub", "本題―副題―", "本題 〜副題〜".
_SUBTITLE = re.compile(r"\s*(?::|：|\s[-–—]\s|—|―|〜|～|\s~\s)\s*")


def main_title(title: str) -> str:
    parts = _SUBTITLE.split(plain(title), maxsplit=1)
    return parts[0].strip() if parts and parts[0].strip() else plain(title)


def _substantial(key: str) -> bool:
    if has_cjk(key):
        return len(key) >= 5
    return len(key) >= 12 and key.count(" ") >= 1


def title_similarity(cited: str | None, titles: tuple[str, ...] | list[str]) -> float:
    """How alike the cited title and the best of a record's titles are, 0..1 (1: the same after normalising)."""
    if not cited:
        return 0.0
    cited_key = _key(cited)
    cited_main_key = _key(main_title(cited))
    best = 0.0
    for title in titles:
        if not title:
            continue
        key = _key(title)
        if not key or not cited_key:
            continue
        best = max(best, fuzz.ratio(cited_key, key) / 100)
        record_main_key = _key(main_title(title))
        # The citation left the record's subtitle out: compare with the record's main title (slightly
        # discounted), but only when that main title says something on its own ("Introduction" identifies
        # nothing). Not the other way round: a subtitle the record does not have is unverified text, and
        # "<a real title>: <an invented subtitle>" is how a fabricated reference borrows a real one.
        if record_main_key != key and cited_main_key == cited_key and _substantial(record_main_key):
            best = max(best, 0.96 * fuzz.ratio(cited_key, record_main_key) / 100)
    return best


def _record_titles(record: ScholarlyRecord) -> tuple[str, ...]:
    return tuple(t for t in (record.title, *record.other_titles) if t)


def cited_title(query: ResolveQuery) -> str | None:
    """The title a scholarly backend searches with: the specific title, else the cited one."""
    return query.specific_title or query.cited_title


# ── authors ───────────────────────────────────────────────────────────────────────────────────────────────

_INITIAL = re.compile(r"^(?:[a-z]\.?(?:-?[a-z]\.?)?|[a-z]{1,3})$")


def family_name(author: str) -> str:
    """The family name in an author as cited: "LeCun, Y." / "Yann LeCun" / "LeCun Y" / "山田 太郎" / "山田太郎"."""
    text = plain(author).strip()
    if not text:
        return ""
    if "," in text:
        return text.split(",", 1)[0].strip()
    tokens = unicodedata.normalize("NFKC", text).split()
    if has_cjk(text):
        return tokens[0]  # family name first; without a space the whole name stands (compared by containment)
    if len(tokens) == 1:
        return tokens[0]
    last = fold(tokens[-1]).rstrip(".")
    if _INITIAL.match(last) and tokens[-1][:1].isupper() and (tokens[-1].isupper() or tokens[-1].endswith(".")):
        return tokens[0]  # Vancouver style: "LeCun Y", "Smith JA", "Smith J.A."
    return tokens[-1]


def family_names_agree(cited_author: str, record_family: str) -> bool | None:
    """Whether a cited first author is the record's first author; None when they cannot be compared."""
    cited_all = _NOT_WORD.sub("", fold(cited_author))
    record = _NOT_WORD.sub("", fold(record_family))
    if not cited_all or not record:
        return None
    if has_cjk(cited_all) != has_cjk(record):
        return None  # 山田 vs Yamada: different scripts, no transliteration here
    if has_cjk(record):
        return record in cited_all or cited_all in record
    cited = _NOT_WORD.sub("", fold(family_name(cited_author)))
    if cited == record or _contains_words(fold(cited_author), fold(record_family)):
        return True  # "J. van der Berg" / "van der Berg J" against "van der Berg"
    return fuzz.ratio(cited, record) >= _FAMILY_FUZZ


def _contains_words(text: str, name: str) -> bool:
    """Whether the words of `name` appear together, whole, among the words of `text` (Blacksmith ≠ Smith)."""
    words, wanted = _NOT_WORD.sub(" ", text).split(), _NOT_WORD.sub(" ", name).split()
    return bool(wanted) and any(words[i:i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1))


# ── years ─────────────────────────────────────────────────────────────────────────────────────────────────


def year_agrees(year: int, record: ScholarlyRecord) -> bool | None:
    """Exact, or within one year when the record has both an online-first and a print date; None: no year."""
    years = {y for y in (record.year, record.online_year, record.print_year) if y}
    if not years:
        return None
    if year in years:
        return True
    if record.online_year and record.print_year:
        return any(abs(year - y) <= 1 for y in years)
    return False


# ── verdicts ──────────────────────────────────────────────────────────────────────────────────────────────


def record_mismatches(query: ResolveQuery, record: ScholarlyRecord) -> tuple[str, ...]:
    """The fields the record contradicts: a subset of ("title", "first author", "year"), in that order."""
    found: list[str] = []
    title = cited_title(query)
    titles = _record_titles(record)
    if title and titles and title_similarity(title, titles) < TITLE_MATCH:
        found.append("title")
    if query.authors and record.authors and family_names_agree(query.authors[0], record.authors[0]) is False:
        found.append("first author")
    if query.year and year_agrees(query.year, record) is False:
        found.append("year")
    return tuple(found)


def record_matches(query: ResolveQuery, record: ScholarlyRecord) -> float:
    """How well a record fits the reference, 0..1; CONFIDENT or more means it is the cited work.

    The title weighs most (0.75), the first author 0.15 and the year 0.10 when both sides give them. A title
    that is not the cited one (below TITLE_MATCH) caps the score at its own similarity and below CONFIDENT, so
    agreeing authors and years cannot lift a fabricated title into a match. No cited title: 0.
    """
    title = cited_title(query)
    titles = _record_titles(record)
    if not title or not titles:
        return 0.0
    similarity = title_similarity(title, titles)
    parts = [(similarity, 0.75)]
    if query.authors and record.authors:
        agree = family_names_agree(query.authors[0], record.authors[0])
        if agree is not None:
            # The cited first author among the record's other authors: the right work, the order garbled.
            elsewhere = not agree and any(family_names_agree(query.authors[0], a) for a in record.authors[1:])
            parts.append((1.0 if agree else 0.5 if elsewhere else 0.0, 0.15))
    if query.year:
        agree_year = year_agrees(query.year, record)
        if agree_year is not None:
            exact = query.year in {y for y in (record.year, record.online_year, record.print_year) if y}
            parts.append((1.0 if exact else 0.7 if agree_year else 0.0, 0.10))
    score = sum(value * weight for value, weight in parts) / sum(weight for _, weight in parts)
    if similarity < TITLE_MATCH:
        # Not the cited title (record_mismatches would say "title"): never a confident match.
        score = min(score, similarity, CONFIDENT - 0.01)
    return round(max(0.0, min(1.0, score)), 4)


# ── is it scholarly? ──────────────────────────────────────────────────────────────────────────────────────

SCHOLARLY_DOMAINS = frozenset({
    "doi.org", "arxiv.org", "biorxiv.org", "medrxiv.org", "ssrn.com", "jstage.jst.go.jp", "jst.go.jp", "ci.nii.ac.jp",
    "nii.ac.jp", "ncbi.nlm.nih.gov", "nih.gov", "pubmed.gov", "europepmc.org", "sciencedirect.com", "elsevier.com",
    "springer.com", "nature.com", "wiley.com", "tandfonline.com", "ieee.org", "acm.org", "plos.org", "jstor.org",
    "frontiersin.org", "mdpi.com", "sagepub.com", "oup.com", "cambridge.org", "aclanthology.org", "openreview.net",
    "neurips.cc", "mlr.press", "pnas.org", "science.org", "cell.com", "bmj.com", "thelancet.com", "nejm.org",
    "iop.org", "aps.org", "jamanetwork.com", "researchgate.net", "semanticscholar.org", "openalex.org",
    "crossref.org", "dblp.org", "hindawi.com", "biomedcentral.com", "aaai.org", "usenix.org", "ijcai.org",
    "irdb.nii.ac.jp", "jsai.or.jp", "ipsj.or.jp", "ieice.org",
})
_JOURNALISH = re.compile(
    r"\b(?:journal|proceedings|advances in|transactions|letters|annals|review of|reviews|conference|symposium|workshop|"
    r"quarterly|bulletin|arxiv|biorxiv|medrxiv|ssrn|j-stage|cinii|pubmed|nature|science|lancet|plos|"
    r"neurips|icml|iclr|acl|emnlp|naacl|cvpr|iccv|eccv|aaai|ijcai|sigir|kdd|chi)\b"
    r"|学会|論文|紀要|学術|研究報告|学報|大会|シンポジウム|ジャーナル",
    re.IGNORECASE,
)
_ARXIV_ID = re.compile(r"\barxiv:\s*\d{4}\.\d{4,5}|\b(?:arxiv|biorxiv|medrxiv)\b", re.IGNORECASE)
_VOLUME_PAGES = re.compile(r"\bvol\.?\s*\d+|\bpp\.?\s*\d+|\d+\s*\(\d+\)\s*[,:]\s*\d+|第\s*\d+\s*巻|\d+\s*巻\s*\d+\s*号")


def _domain_is_scholarly(domain: str) -> bool:
    domain = domain.lower().strip(".")
    return any(domain == d or domain.endswith("." + d) for d in SCHOLARLY_DOMAINS)


def is_scholarly(query: ResolveQuery) -> bool:
    """A DOI, a scholarly site, arXiv/bioRxiv, a volume/pages citation, or authors and a year with no web domain."""
    if query.doi:
        return True
    texts = [t for t in (query.cited_title, query.site) if t]
    if any(find_doi(t) for t in texts):
        return True
    if any(_domain_is_scholarly(d) for d in query.domains):
        return True
    if query.site and (_JOURNALISH.search(query.site) or _domain_is_scholarly(query.site)):
        return True
    if any(_ARXIV_ID.search(t) or _VOLUME_PAGES.search(t) for t in texts):
        return True
    # Authors and a year, and no web site the reference stands for (a newspaper's byline has a site and domains).
    return bool(query.authors) and query.year is not None and not query.domains
