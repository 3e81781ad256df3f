"""What the API backends (crossref, openalex, searxng, brave) share: reading a JSON answer, saying why a request
failed in one line, and, for the web search backends, the search text, the request and its answer's results as
candidates (`ask_search_engine`, `search_results`): each of those backends keeps only its parameters and fields.

Nothing here raises for what a service sends: a network failure, an HTTP error status, a body that is not JSON or
not the documented shape all become an error string the backend puts in `BackendAnswer.error`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from refcheck import __version__
from refcheck.resolve.model import BackendAnswer, BackendWeb, Candidate, ResolveQuery, WebResponse
from refcheck.resolve.scholarly import cited_title, find_doi, is_scholarly, plain

USER_AGENT = f"refcheck/{__version__}"  # + " (mailto:…)" when a contact address is configured


class ScholarlyApi:
    """What the scholarly backends (crossref, openalex) do alike: a reference's DOI → its record (`_by_doi`); else,
    for a reference that looks scholarly, a search by its cited title (`_by_title`, given the title or None); and
    requests with the contact address (the services' "polite pool") in the User-Agent when one is configured."""

    name: str
    mailto: str | None = None

    async def search(self, query: ResolveQuery, web: BackendWeb) -> BackendAnswer:
        doi = find_doi(query.doi) if query.doi else None
        if doi:
            return await self._by_doi(doi, web)
        if not is_scholarly(query):
            return BackendAnswer(self.name, skipped="not scholarly")
        return await self._by_title(query, cited_title(query), web)

    async def _by_doi(self, doi: str, web: BackendWeb) -> BackendAnswer:
        raise NotImplementedError

    async def _by_title(self, query: ResolveQuery, title: str | None, web: BackendWeb) -> BackendAnswer:
        raise NotImplementedError

    def _headers(self) -> dict:
        agent = f"{USER_AGENT} (mailto:{self.mailto})" if self.mailto else USER_AGENT
        return {"User-Agent": agent, "Accept": "application/json"}


class ShapeError(ValueError):
    """The answer parsed as JSON but is not in the documented shape."""


def failure(service: str, response: WebResponse) -> str | None:
    """Why `response` is not a usable answer (network error or HTTP status), or None when it is a 2xx."""
    if response.error is not None or response.status is None:
        return f"{service} unreachable: {response.error or 'no answer'}"
    if 200 <= response.status < 300:
        return None
    if response.status == 429:
        return f"{service} rate limit exceeded (HTTP 429{_rate_detail(response)})"
    return f"{service} answered HTTP {response.status}{_body_hint(response)}"


def _rate_detail(response: WebResponse) -> str:
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    bits = []
    if headers.get("retry-after"):
        bits.append(f"retry after {headers['retry-after']} s")
    for name in ("x-ratelimit-limit", "x-rate-limit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
        if headers.get(name):
            bits.append(f"{name}: {headers[name]}")
    if headers.get("x-rate-limit-interval"):
        bits.append(f"x-rate-limit-interval: {headers['x-rate-limit-interval']}")
    return "; " + ", ".join(bits) if bits else ""


def _body_hint(response: WebResponse) -> str:
    """A short reason from an error body ({"error": …}, {"message": …}, or a line of text), if there is one."""
    body = response.body[:2000].decode("utf-8", "replace").strip()
    if not body:
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        line = plain(body).splitlines()[0][:120] if plain(body) else ""
        return f": {line}" if line and "<" not in body[:1] else ""
    detail = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            detail = error.get("detail") or error.get("message") or error.get("code")
        elif isinstance(error, str):
            detail = data.get("message") or error
        else:
            detail = data.get("message")
        if isinstance(detail, list):
            detail = "; ".join(str(d) for d in detail[:2])
    return f": {str(detail)[:160]}" if detail else ""


def not_registered(service: str, response: WebResponse) -> tuple[bool, str | None]:
    """(True, None) for the service's own "no such record" 404; (False, error) for a 404 that is an HTML page.

    The APIs answer an unknown identifier with a short text or JSON body. An HTML 404 page comes from something
    else (a wrong endpoint, a proxy, a captive portal): taking it for "no record" would call every DOI missing.
    """
    if response.status != 404 or response.error is not None:
        return False, None
    head = response.body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<title>" in head or (
            (response.content_type or "").startswith("text/html")):
        return False, f"{service} answered 404 with an HTML page, not the API's answer: is the endpoint right?"
    return True, None


def read_json(service: str, response: WebResponse) -> dict:
    """The answer's JSON object; ShapeError (with a one-line reason) when it is not JSON or not an object."""
    try:
        data = json.loads(response.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ShapeError(f"{service} sent malformed JSON ({type(exc).__name__}: {str(exc)[:80]})") from None
    if not isinstance(data, dict):
        raise ShapeError(f"{service} sent JSON of an unexpected shape (a {type(data).__name__}, not an object)")
    return data


def need(service: str, value, kind: type, where: str):
    """`value` when it is of `kind`; else ShapeError naming the field."""
    if not isinstance(value, kind):
        raise ShapeError(f"{service} answer has an unexpected shape: {where} is "
                         f"{'missing' if value is None else type(value).__name__}")
    return value


def text_or_none(value) -> str | None:
    """A non-empty string (markup removed), the first of a list of strings, or None."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if isinstance(value, str):
        cleaned = plain(value)
        return cleaned or None
    return None


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def iso_date(value) -> str | None:
    """YYYY-MM-DD from an ISO date or date-time string ("2025-12-25T09:00:00Z"), else None."""
    if isinstance(value, str):
        match = _DATE.match(value.strip())
        if match:
            return "-".join(match.groups())
    return None


# ── the text a web search engine is asked ───────────────────────────────────────────────────────────────────

MAX_QUERY_CHARS = 380  # Brave refuses more than 400 characters or 50 words; SearXNG passes q on to engines


def search_text(query: ResolveQuery) -> str | None:
    """The words to search for: the specific title in quotes, else up to six key facts; None when neither.

    A generic title (a site name) is never searched for: it finds the site, not the cited page. The site
    restriction is added by the caller (`site:` syntax), so the text is the same for every engine.
    """
    if query.specific_title:
        title = " ".join(plain(query.specific_title).split())
        return f'"{title}"' if len(title) <= 120 else title[:MAX_QUERY_CHARS]
    facts = []
    for fact in query.key_facts:
        fact = " ".join(plain(fact).split())
        if fact and fact not in facts:
            facts.append(fact)
        if len(facts) == 6:
            break
    if not facts:
        return None
    text = " ".join(f'"{f}"' if " " in f else f for f in facts)
    return text[:MAX_QUERY_CHARS]


def with_site(text: str, query: ResolveQuery) -> str:
    """The search text restricted to the first of the reference's domains (`site:` is understood by most engines)."""
    if query.domains:
        return f"{text} site:{query.domains[0]}"
    return text


NOTHING_TO_SEARCH = "no specific title or key facts to search for"


def search_terms(query: ResolveQuery) -> str | None:
    """`search_text` restricted to the reference's site (`with_site`), or None when there is nothing to search for."""
    text = search_text(query)
    return with_site(text, query) if text is not None else None


async def ask_search_engine(via: str, service: str, web: BackendWeb, url: str, *, params: dict, headers: dict,
                            asked: tuple[str, ...],
                            read: Callable[[dict], tuple[tuple[Candidate, ...], str | None]],
                            refused: Callable[[int, str], str] | None = None) -> BackendAnswer:
    """One request to a web search API, as a BackendAnswer: a network failure or an HTTP error status (`refused`
    gives the service's own words for a status: the status and the usual one-line reason in, the error out), or an
    answer that is not JSON of the documented shape, is the answer's error; else `read(the JSON)` gives the
    candidates and, when an empty list means something went wrong, an error."""
    response: WebResponse = await web.get(url, params=params, headers=headers)
    problem = failure(service, response)
    if problem:
        if refused is not None and response.status is not None:
            problem = refused(response.status, problem)
        return BackendAnswer(via, queries=asked, requests=1, error=problem)
    try:
        candidates, error = read(read_json(service, response))
    except ShapeError as exc:
        return BackendAnswer(via, queries=asked, requests=1, error=str(exc))
    return BackendAnswer(via, candidates=candidates, queries=asked, requests=1, error=error)


def search_results(service: str, via: str, results, where: str, *, title: str, snippet: str,
                   dates: tuple[str, ...]) -> tuple[Candidate, ...]:
    """Candidates from a search API's list of results, in its order: each result an object with an http(s) `url`
    (other URLs and repeats are left out), its `title`, its `snippet` and its date (the first of `dates` it has).
    ShapeError when the list or a result is not what the service documents."""
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for result in need(service, results, list, where):
        result = need(service, result, dict, f"{where}[]")
        url = result.get("url")
        if not (isinstance(url, str) and url.startswith(("http://", "https://"))) or url in seen:
            continue
        seen.add(url)
        published = next((result.get(key) for key in dates if result.get(key)), None)
        candidates.append(Candidate(url=url, via=via, title=text_or_none(result.get(title)),
                                    published=iso_date(published), snippet=text_or_none(result.get(snippet)),
                                    rank=len(candidates)))
    return tuple(candidates)
