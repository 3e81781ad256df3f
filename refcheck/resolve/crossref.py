"""The `crossref` backend: a reference's DOI record, or a bibliographic search, from the Crossref REST API.

DOI in the reference → `GET {endpoint}/works/{doi}` → one candidate carrying the normalised record (the resolver
compares it with `scholarly.record_mismatches`); 404 → no candidate (the DOI is not registered with Crossref).
DataCite DOIs (arXiv 10.48550, Zenodo 10.5281, …) are not Crossref's: skipped, never called missing.
No DOI → `GET {endpoint}/works?query.bibliographic=<title venue year>&query.author=<first author's family>&rows=N`
→ candidates in Crossref's relevance order, each with its record; `scholarly.record_matches` ranks them.
No year filter: a citation with a wrong year would hide the real work, which is a metadata error, not a
fabrication. `mailto` goes both in the `mailto` parameter and the User-Agent (Crossref's polite pool).
Response fields read and sources: docs/resolve-apis.md.
"""

from __future__ import annotations

from urllib.parse import quote

from refcheck.resolve.apis import ScholarlyApi, ShapeError, failure, need, not_registered, read_json, text_or_none
from refcheck.resolve.model import BackendAnswer, BackendWeb, Candidate, ResolveQuery, ScholarlyRecord
from refcheck.resolve.scholarly import family_name, find_doi, is_datacite, plain

SERVICE = "Crossref"
# Only what refcheck reads: a list answer is ~1 KB per item instead of ~30 KB with references and licences.
SELECT = ("DOI,title,subtitle,original-title,author,issued,published-print,published-online,container-title,"
          "URL,type,score")


class CrossrefBackend(ScholarlyApi):
    name = "crossref"

    def __init__(self, endpoint: str = "https://api.crossref.org", mailto: str | None = None, rows: int = 5):
        self.endpoint = endpoint.rstrip("/")
        self.mailto = mailto
        self.rows = max(1, min(int(rows), 100))

    def _params(self, params: dict) -> dict:
        return {**params, "mailto": self.mailto} if self.mailto else params

    async def _by_title(self, query: ResolveQuery, title: str | None, web: BackendWeb) -> BackendAnswer:
        if not title:
            return BackendAnswer(self.name, skipped="no title to search for")
        return await self._bibliographic(query, plain(title), web)

    async def _by_doi(self, doi: str, web: BackendWeb) -> BackendAnswer:
        if is_datacite(doi):
            return BackendAnswer(self.name, skipped=f"DOI {doi} is registered with DataCite, not Crossref")
        path = f"/works/{quote(doi, safe='/')}"
        asked = (f"GET /works/{doi}",)
        response = await web.get(self.endpoint + path, params=self._params({}) or None, headers=self._headers())
        missing, problem = not_registered(SERVICE, response)
        if missing:
            return BackendAnswer(self.name, queries=asked, requests=1)  # not registered with Crossref
        problem = problem or failure(SERVICE, response)
        if problem:
            return BackendAnswer(self.name, queries=asked, requests=1, error=problem)
        try:
            data = read_json(SERVICE, response)
            message = need(SERVICE, data.get("message"), dict, "message")
            record, published = work_record(message)
        except ShapeError as exc:
            return BackendAnswer(self.name, queries=asked, requests=1, error=str(exc))
        candidate = Candidate(url=record.url or f"https://doi.org/{doi}", via=self.name, title=record.title,
                              published=published, record=record, rank=0)
        return BackendAnswer(self.name, candidates=(candidate,), queries=asked, requests=1)

    async def _bibliographic(self, query: ResolveQuery, title: str, web: BackendWeb) -> BackendAnswer:
        # query.bibliographic is matched as a whole reference string: the venue and year help rank the right
        # work among the many sharing a short title, and a wrong year only weakens the match, never excludes it.
        venue = plain(query.site) if query.site and not _is_domain(query.site) else ""
        params = {"query.bibliographic": " ".join(p for p in (title, venue, str(query.year or "")) if p)}
        author = family_name(query.authors[0]) if query.authors else ""
        if author:
            params["query.author"] = author
        params.update({"rows": str(self.rows), "select": SELECT})
        asked = ("GET /works?" + "&".join(f"{k}={v}" for k, v in params.items() if k != "select"),)
        response = await web.get(self.endpoint + "/works", params=self._params(params), headers=self._headers())
        requests = 1
        if response.status == 400 and response.error is None:
            # A field list the service no longer accepts must not cost the search: ask once more without it.
            params.pop("select")
            response = await web.get(self.endpoint + "/works", params=self._params(params), headers=self._headers())
            requests = 2
        problem = failure(SERVICE, response)
        if problem:
            return BackendAnswer(self.name, queries=asked, requests=requests, error=problem)
        try:
            data = read_json(SERVICE, response)
            message = need(SERVICE, data.get("message"), dict, "message")
            items = need(SERVICE, message.get("items"), list, "message.items")
            candidates = []
            for item in items:
                record, published = work_record(need(SERVICE, item, dict, "message.items[]"))
                if record.doi is None and record.url is None:
                    continue
                candidates.append(Candidate(url=record.url or f"https://doi.org/{record.doi}", via=self.name,
                                            title=record.title, published=published, record=record,
                                            rank=len(candidates)))
        except ShapeError as exc:
            return BackendAnswer(self.name, queries=asked, requests=requests, error=str(exc))
        return BackendAnswer(self.name, candidates=tuple(candidates), queries=asked, requests=requests)


def _is_domain(text: str) -> bool:
    text = text.strip().lower()
    return " " not in text and "." in text and not text.endswith(".")


def _date_parts(value) -> list[int]:
    """[year, month?, day?] from a Crossref partial date {"date-parts": [[2015, 5, 28]]}; [] when absent."""
    if not isinstance(value, dict):
        return []
    parts = value.get("date-parts")
    if not (isinstance(parts, list) and parts and isinstance(parts[0], list)):
        return []
    out = []
    for part in parts[0]:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            out.append(int(part))
        else:
            break
    return out


def _year(value) -> int | None:
    parts = _date_parts(value)
    return parts[0] if parts else None


def _authors(value) -> tuple[str, ...]:
    """Family names, the author marked `"sequence": "first"` first; organisations by their name."""
    if not isinstance(value, list):
        return ()
    people = [a for a in value if isinstance(a, dict)]
    people.sort(key=lambda a: 0 if a.get("sequence") == "first" else 1)  # stable: the rest keep their order
    names = []
    for person in people:
        name = text_or_none(person.get("family")) or text_or_none(person.get("name"))
        if name:
            names.append(name)
    return tuple(names)


def work_record(item: dict) -> tuple[ScholarlyRecord, str | None]:
    """A Crossref work object → (ScholarlyRecord, its full issued date as YYYY-MM-DD when it has one)."""
    titles = [t for t in (item.get("title") or []) if isinstance(t, str) and t.strip()] \
        if isinstance(item.get("title"), list) else []
    subtitle = text_or_none(item.get("subtitle"))
    main = plain(titles[0]) if titles else None
    title = main
    if main and subtitle and subtitle.casefold() not in main.casefold():
        title = f"{main}: {subtitle}"
    others = [plain(t) for t in titles[1:]]
    original = item.get("original-title")
    if isinstance(original, list):
        others += [plain(t) for t in original if isinstance(t, str) and t.strip()]
    if main and title != main:
        others.insert(0, main)
    doi = item.get("DOI")
    doi = find_doi(doi) if isinstance(doi, str) else None
    url = item.get("URL") if isinstance(item.get("URL"), str) and item["URL"].startswith("http") else None
    if doi and not url:
        url = f"https://doi.org/{doi}"
    issued = _date_parts(item.get("issued"))
    published = "{:04d}-{:02d}-{:02d}".format(*issued) if len(issued) >= 3 else None
    record = ScholarlyRecord(
        doi=doi, title=title, authors=_authors(item.get("author")),
        year=issued[0] if issued else (_year(item.get("published-online")) or _year(item.get("published-print"))),
        container=text_or_none(item.get("container-title")), url=url,
        online_year=_year(item.get("published-online")), print_year=_year(item.get("published-print")),
        other_titles=tuple(dict.fromkeys(t for t in others if t and t != title)),
    )
    return record, published
