"""Is a candidate the page a reference cites? Decided on the fetched page itself, never on a backend's snippet.

A web candidate is accepted only when all of these hold:
  * it was fetched and read (`ok`, not a soft 404, not a bot wall), and did not redirect off its site;
  * it is on the cited site: its registrable domain is one the site stands for, or its publisher is in the cited
    publisher's group (for a site refcheck has no domain for, the name the page gives its site agrees);
  * it is an article: not the home page, and its title is not only the site's name;
  * it was not published after the reference was retrieved;
  * a specific cited title matches its title (rules/titles.py) — or, for a generic title, the text that cites the
    reference is covered by its main text: the support score (rules/support.py) at least SOURCE_SUPPORT, none of
    the citing text's key facts missing or contradicted, and at least one of them on the page. That is the question
    "is this page the cited source", not the user-facing verdict "is this sentence supported": the resolver reads
    the assessment's parts against its own bar, so recalibrating what a reader is shown does not move it.
A scholarly candidate (a Crossref/OpenAlex record) is accepted when it is the cited DOI's own record, or when its
title matches the specific cited title closely and its first author and year agree where the reference gives them.
Two accepted candidates that are not the same page and score within AMBIGUITY_MARGIN of each other: ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from refcheck.models import FetchResult, UrlStatus
from refcheck.resolve.model import Candidate, ResolveQuery
from refcheck.rules.sites import (name_key, names_agree, publishers_at, publishers_named, registrable_domain,
                                  related_publishers, url_host)
from refcheck.rules.support import SupportVerdict, assess_support, is_japanese
from refcheck.rules.titles import compare_titles, is_generic_title, normalize_title, strip_site_affixes

AMBIGUITY_MARGIN = 0.1  # accepted candidates closer than this (scores 0..1) are a tie
RECORD_TITLE_SCORE = 95.0  # a scholarly record's title must be at least this like the cited title (0..100)
# A page is taken as the source of a generic-titled reference at this support score or above (with no key fact of the
# citing text missing or contradicted). Chosen on the dev half of bench/resolve_bench.py and the sample-web audit,
# above the user-facing "unsupported" bar (rules/support.py: en 0.20, ja 0.45): there the source pages scored en
# ≥ 0.58, ja ≥ 0.67, and every other page on the site with no key fact missing scored at most 0.33.
SOURCE_SUPPORT = {"en": 0.40, "ja": 0.50}


@dataclass(frozen=True)
class Check:
    """The verdict on one candidate."""

    candidate: Candidate
    accepted: bool
    score: float  # 0..1
    title: str | None  # the page's (or record's) title
    reason: str
    identity: str = ""  # pages with the same identity are one page (a canonical URL, a DOI)


def on_cited_site(query: ResolveQuery, url: str) -> bool:
    """Whether `url` is on the site the reference names: one of its registrable domains, or a related publisher."""
    host = url_host(url)
    if not host:
        return False
    if registrable_domain(host) in {registrable_domain(domain) for domain in query.domains}:
        return True
    cited = publishers_named(query.site)
    for domain in query.domains:
        cited += publishers_at(domain)
    at_host = publishers_at(host)
    return bool(cited) and bool(at_host) and related_publishers(cited, at_host)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def check_candidate(query: ResolveQuery, candidate: Candidate, result: FetchResult | None) -> Check:
    if candidate.record is not None:
        return _check_record(query, candidate)
    return _check_page(query, candidate, result)


def _reject(candidate: Candidate, reason: str, title: str | None = None, score: float = 0.0) -> Check:
    return Check(candidate, False, score, title, reason)


def _check_page(query: ResolveQuery, candidate: Candidate, result: FetchResult | None) -> Check:
    page_site = result.page.site_name if result is not None and result.page is not None else None
    if not on_cited_site(query, candidate.url) and not (
            query.site and page_site and not query.domains and names_agree(query.site, page_site)):
        # A site refcheck cannot place (no domain for it) is matched by the name the page gives its site.
        return _reject(candidate, f"not on the cited site ({url_host(candidate.url)})", candidate.title)
    if result is None:
        return _reject(candidate, "not fetched", candidate.title)
    if result.status is not UrlStatus.OK or result.page is None:
        return _reject(candidate, f"{result.status}" + (f" ({result.reason})" if result.reason else ""),
                       candidate.title)
    page = result.page
    if page.challenge:
        return _reject(candidate, f"a bot wall ({page.challenge}), not the page", candidate.title)
    if result.redirects and result.final_url and result.fetched_url and (
            registrable_domain(result.final_url) != registrable_domain(result.fetched_url)):
        return _reject(candidate, f"redirects off the site, to {result.final_url}", page.title)
    if urlsplit(candidate.url).path.strip("/") == "" or (result.final_url and
                                                          urlsplit(result.final_url).path.strip("/") == ""):
        return _reject(candidate, "the site's home page, not an article", page.title)
    titles = tuple(dict.fromkeys(t for t in (*page.title_candidates, page.title) if t and t.strip()))
    if not titles:
        return _reject(candidate, "no title could be read on the page", page.title)
    if all(_only_site(title, page.site_name or query.site, candidate.url) for title in titles):
        return _reject(candidate, "its title only names the site", page.title)
    published, bound = _day(page.published), _day(query.retrieved)
    if published and bound and published > bound + timedelta(days=1):
        return _reject(candidate, f"published {published.isoformat()}, after the reference was retrieved "
                                  f"({bound.isoformat()})", page.title)
    identity = _identity(result)
    # A cited "title" that is the name the page gives its own site names no article (a pill label refcheck could
    # not tell from a headline before it saw the site): the page must then support the citing text instead.
    title_is_site = bool(page.site_name) and name_key(query.specific_title) == name_key(page.site_name)
    if query.specific_title and not title_is_site:
        comparison = compare_titles(query.specific_title, titles, [page.site_name or "", query.site or ""])
        if not comparison.matches or not comparison.best_page_title:
            return _reject(candidate, f"its title \"{comparison.best_page_title or page.title}\" is not the cited "
                                      f"one (similarity {comparison.score:.0f}/100)", page.title,
                           comparison.score / 100)
        return Check(candidate, True, comparison.score / 100, comparison.best_page_title,
                     f"its title matches the cited title ({comparison.reason})", identity)
    # The headline is part of what the article says (the reader's main text often leaves the <h1> out).
    return _check_support(query, candidate, page.title, f"{titles[0]}\n{page.main_text}", identity)


def _only_site(title: str, site: str | None, url: str) -> bool:
    """A title that names only the site, also once a site name around it is taken off ("X - X", "ニュース | X")."""
    return is_generic_title(title, site, url) or is_generic_title(strip_site_affixes(title, [site or ""]) or title,
                                                                  site, url)


def _check_support(query: ResolveQuery, candidate: Candidate, title: str | None, text: str, identity: str) -> Check:
    """A generic title names no article: the page must support what the citing text says."""
    if not query.citing_sentences:
        return _reject(candidate, "the title is only the site's name and no sentence cites it", title)
    if not query.key_facts:
        return _reject(candidate, "the title is only the site's name and the citing text has no key facts "
                                  "(names, quoted terms, numbers) to look for", title)
    if not text.strip():
        return _reject(candidate, "no readable text", title)
    best, best_covers = None, False
    for sentence in query.citing_sentences:
        verdict = assess_support(sentence, text)
        covers = covers_citing_text(sentence, verdict)
        if best is None or (covers, verdict.score) > (best_covers, best.score):
            best, best_covers = verdict, covers
    assert best is not None
    if not best_covers:
        missing = f"; missing: {', '.join(best.missing)}" if best.missing else ""
        contradicted = (f"; contradicted: {', '.join(claimed for claimed, _ in best.contradictions)}"
                        if best.contradictions else "")
        return _reject(candidate, f"does not support the citing text ({best.verdict}, {best.score:.2f}{missing}"
                                  f"{contradicted})", title, best.score)
    present = [fact for fact in query.key_facts if name_key(fact) and name_key(fact) in name_key(text)]
    if not present:
        return _reject(candidate, "none of the citing text's key facts is on the page", title, best.score)
    facts = ", ".join(present[:4])
    return Check(candidate, True, best.score, title,
                 f"the page supports the citing text (support {best.score:.2f}; key facts: {facts})", identity)


def covers_citing_text(sentence: str, assessment: SupportVerdict) -> bool:
    """Whether a page whose support assessment for `sentence` is `assessment` says what the citing text says, well
    enough to be taken as its source: score at least SOURCE_SUPPORT, no key fact missing, none contradicted."""
    bar = SOURCE_SUPPORT["ja" if is_japanese(sentence) else "en"]
    return assessment.score >= bar and not assessment.missing and not assessment.contradictions


def _identity(result: FetchResult) -> str:
    page = result.page
    canonical = page.canonical_url if page is not None else None
    return (canonical or result.final_url or result.url).rstrip("/")


def _check_record(query: ResolveQuery, candidate: Candidate) -> Check:
    record = candidate.record
    assert record is not None
    identity = f"doi:{record.doi}" if record.doi else candidate.url
    scholarly = _scholarly()
    if query.doi and record.doi and record.doi.lower() == query.doi.lower():
        mismatches = scholarly.record_mismatches(query, record) if scholarly else ()
        if "title" in mismatches:  # a real DOI, but of another work: the cited one is not found through it
            return _reject(candidate, f"the record of the cited DOI {query.doi} has another title: "
                                      f"\"{record.title}\"", record.title)
        return Check(candidate, True, 1.0, record.title, f"the cited DOI {query.doi} is registered"
                     + (f" (its record differs: {', '.join(mismatches)})" if mismatches else ""), identity)
    if not query.specific_title or not record.title:
        return _reject(candidate, "no specific title to compare with the record", record.title)
    if scholarly is not None:
        score = scholarly.record_matches(query, record)
        if score < scholarly.CONFIDENT:
            return _reject(candidate, f"the record \"{record.title}\" is not the cited work (match {score:.2f})",
                           record.title, score)
        # Found by its title alone: a first author or a year (more than one off) that the record contradicts means
        # another work of the same title ("Deep Learning" names many), so it is not taken.
        mismatches = set(scholarly.record_mismatches(query, record))
        year_far = bool(query.year and record.year and abs(query.year - record.year) > 1)
        if "first author" in mismatches or ("year" in mismatches and year_far):
            wrong = ", ".join(f for f in ("first author", "year") if f in mismatches)
            return _reject(candidate, f"the record \"{record.title}\" has another {wrong}", record.title, score)
        return Check(candidate, True, score, record.title,
                     f"the record matches the cited title, first author and year where given ({score:.2f})", identity)
    comparison = compare_titles(query.specific_title, [record.title])
    exact = normalize_title(query.specific_title) == normalize_title(record.title)
    if not exact and (not comparison.matches or comparison.score < RECORD_TITLE_SCORE):
        return _reject(candidate, f"the record's title \"{record.title}\" is not the cited one "
                                  f"(similarity {comparison.score:.0f}/100)", record.title, comparison.score / 100)
    if query.year and record.year and abs(query.year - record.year) > 1:
        return _reject(candidate, f"the record is from {record.year}, the reference says {query.year}", record.title)
    if query.authors and record.authors and not _same_first_author(query.authors[0], record.authors[0]):
        return _reject(candidate, f"the record's first author is {record.authors[0]}, the reference's "
                                  f"{query.authors[0]}", record.title)
    return Check(candidate, True, comparison.score / 100 if not exact else 1.0, record.title,
                 "the record's title matches the cited title" + (", with the same first author" if query.authors
                                                                 and record.authors else ""), identity)


def _scholarly():
    """refcheck.resolve.scholarly (the scholarly matcher) when this build has it, else None."""
    try:
        from refcheck.resolve import scholarly
    except ImportError:
        return None
    return scholarly


def _same_first_author(cited: str, family: str) -> bool:
    cited_key, family_key = name_key(cited), name_key(family)
    return bool(family_key) and family_key in cited_key


def decide(checks: list[Check]) -> tuple[str, Check | None, list[Check]]:
    """("found", the check, []) | ("ambiguous", None, the close ones) | ("none", None, [])."""
    accepted: dict[str, Check] = {}
    for check in sorted((c for c in checks if c.accepted), key=lambda c: -c.score):
        accepted.setdefault(check.identity or check.candidate.url, check)
    ranked = list(accepted.values())
    if not ranked:
        return "none", None, []
    close = [check for check in ranked if ranked[0].score - check.score < AMBIGUITY_MARGIN]
    if len(close) > 1:
        return "ambiguous", None, close
    return "found", ranked[0], []
