"""The `openalex` backend: a reference's DOI record, or a title search, from the OpenAlex API.

DOI → `GET {endpoint}/works/doi:{doi}` (a singleton: free of charge even on the free tier) → one candidate with
the record; 404 → no candidate. OpenAlex also holds DataCite DOIs (arXiv), so it answers where Crossref cannot.
No DOI → `GET {endpoint}/works?filter=title.search:<title>&per_page=N` — a fielded title search, billed as a
list/filter call ($0.10 per 1,000) rather than full-text `search=` ($1 per 1,000), and it keeps abstracts and
full text from matching. The newer documentation marks `.search` filters deprecated: a 400 answer to the filter
is followed by one `search=<title>` request. Candidates in OpenAlex's order, each with its record
(authorships' family names, publication_year, primary_location.source as the container).
OpenAlex requires an API key since 2026-02-13 for more than a tiny daily allowance: `api_key` (optional) goes
in the `api_key` parameter and is never written into `queries`; `mailto` is still sent when configured.
OpenAlex answers 403 when the per-second limit is exceeded and 429 when the daily allowance is spent.
Response fields read and sources: docs/resolve-apis.md.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from refcheck.resolve.apis import ScholarlyApi, ShapeError, failure, iso_date, need, not_registered, read_json, \
    text_or_none
from refcheck.resolve.model import BackendAnswer, BackendWeb, Candidate, ResolveQuery, ScholarlyRecord
from refcheck.resolve.scholarly import family_name, find_doi, has_cjk, plain

SERVICE = "OpenAlex"
SELECT = "id,doi,title,display_name,publication_year,publication_date,authorships,primary_location,type"
# Characters with a meaning inside a filter value: "," separates filters, "|" is OR, "!" negates, ":" splits.
_FILTER_SYNTAX = re.compile(r"[,|!:]+")


class OpenAlexBackend(ScholarlyApi):
    name = "openalex"

    def __init__(self, endpoint: str = "https://api.openalex.org", mailto: str | None = None, rows: int = 5,
                 api_key: str | None = None):
        self.endpoint = endpoint.rstrip("/")
        self.mailto = mailto
        self.rows = max(1, min(int(rows), 100))
        self.api_key = api_key

    def _params(self, params: dict) -> dict:
        extra = {}
        if self.mailto:
            extra["mailto"] = self.mailto
        if self.api_key:
            extra["api_key"] = self.api_key
        return {**params, **extra}


    def _failure(self, response) -> str | None:
        problem = failure(SERVICE, response)
        if problem and response.status == 403:
            return problem + " (OpenAlex says 403 when the rate limit is exceeded)"
        if problem and response.status == 429 and not self.api_key:
            return problem + " (the daily allowance without an API key is tiny: set an OpenAlex api_key)"
        return problem

    async def _by_title(self, query: ResolveQuery, title: str | None, web: BackendWeb) -> BackendAnswer:
        words = _FILTER_SYNTAX.sub(" ", plain(title or "")).split()
        if not words:
            return BackendAnswer(self.name, skipped="no title to search for")
        return await self._title_search(" ".join(words), web)

    async def _by_doi(self, doi: str, web: BackendWeb) -> BackendAnswer:
        asked = (f"GET /works/doi:{doi}",)
        response = await web.get(f"{self.endpoint}/works/doi:{quote(doi, safe='/')}",
                                 params=self._params({"select": SELECT}), headers=self._headers())
        missing, problem = not_registered(SERVICE, response)
        if missing:
            return BackendAnswer(self.name, queries=asked, requests=1)
        problem = problem or self._failure(response)
        if problem:
            return BackendAnswer(self.name, queries=asked, requests=1, error=problem)
        try:
            work = read_json(SERVICE, response)
            record, published = work_record(work)
        except ShapeError as exc:
            return BackendAnswer(self.name, queries=asked, requests=1, error=str(exc))
        candidate = Candidate(url=record.url or f"https://doi.org/{doi}", via=self.name, title=record.title,
                              published=published, record=record, rank=0)
        return BackendAnswer(self.name, candidates=(candidate,), queries=asked, requests=1)

    async def _title_search(self, title: str, web: BackendWeb) -> BackendAnswer:
        params = {"filter": f"title.search:{title}", "per_page": str(self.rows), "select": SELECT}
        asked = (f"GET /works?filter=title.search:{title}&per_page={self.rows}",)
        response = await web.get(f"{self.endpoint}/works", params=self._params(params), headers=self._headers())
        requests = 1
        if response.status == 400 and response.error is None:
            # The newer documentation marks the `.search` filters deprecated in favour of `search=`: should the
            # filter be refused one day, ask the (dearer, title+abstract+fulltext) full-text search instead.
            params = {"search": title, "per_page": str(self.rows), "select": SELECT}
            asked += (f"GET /works?search={title}&per_page={self.rows}",)
            response = await web.get(f"{self.endpoint}/works", params=self._params(params), headers=self._headers())
            requests = 2
        problem = self._failure(response)
        if problem:
            return BackendAnswer(self.name, queries=asked, requests=requests, error=problem)
        try:
            data = read_json(SERVICE, response)
            results = need(SERVICE, data.get("results"), list, "results")
            candidates = []
            for work in results:
                record, published = work_record(need(SERVICE, work, dict, "results[]"))
                if not record.url:
                    continue
                candidates.append(Candidate(url=record.url, via=self.name, title=record.title, published=published,
                                            record=record, rank=len(candidates)))
        except ShapeError as exc:
            return BackendAnswer(self.name, queries=asked, requests=requests, error=str(exc))
        return BackendAnswer(self.name, candidates=tuple(candidates), queries=asked, requests=requests)


def _family(authorship: dict) -> str | None:
    """The family name of one authorship: from raw_author_name "Family, Given" when it has a comma, else from the
    author's display_name ("Yann LeCun" → LeCun; "山田 太郎" → 山田; "山田太郎" stays whole)."""
    raw = text_or_none(authorship.get("raw_author_name"))
    if raw and "," in raw:
        return family_name(raw) or None
    author = authorship.get("author")
    name = text_or_none(author.get("display_name")) if isinstance(author, dict) else None
    name = name or raw
    if not name:
        return None
    if has_cjk(name):
        return name.split()[0]
    return family_name(name) or None


def work_record(work: dict) -> tuple[ScholarlyRecord, str | None]:
    """An OpenAlex Work object → (ScholarlyRecord, publication_date when given)."""
    if not (isinstance(work.get("id"), str) or isinstance(work.get("doi"), str)):
        raise ShapeError(f"{SERVICE} answer has an unexpected shape: a work without id or doi")
    doi = find_doi(work["doi"]) if isinstance(work.get("doi"), str) else None
    title = text_or_none(work.get("title")) or text_or_none(work.get("display_name"))
    authorships = work.get("authorships")
    authorships = [a for a in authorships if isinstance(a, dict)] if isinstance(authorships, list) else []
    firsts = [a for a in authorships if a.get("author_position") == "first"]
    ordered = firsts + [a for a in authorships if a not in firsts]
    authors = tuple(name for name in (_family(a) for a in ordered) if name)
    year = work.get("publication_year")
    year = year if isinstance(year, int) else int(year) if isinstance(year, str) and year.isdigit() else None
    location = work.get("primary_location") if isinstance(work.get("primary_location"), dict) else {}
    source = location.get("source") if isinstance(location.get("source"), dict) else {}
    landing = location.get("landing_page_url")
    landing = landing if isinstance(landing, str) and landing.startswith("http") else None
    openalex_id = work.get("id") if isinstance(work.get("id"), str) and work["id"].startswith("http") else None
    url = f"https://doi.org/{doi}" if doi else landing or openalex_id
    others = tuple(t for t in (text_or_none(work.get("display_name")),) if t and t != title)
    record = ScholarlyRecord(doi=doi, title=title, authors=authors, year=year,
                             container=text_or_none(source.get("display_name")), url=url, other_titles=others)
    return record, iso_date(work.get("publication_date"))
