"""Local fakes of the scholarly and web search APIs, answering in each service's documented response shape.

Each fake registers routes on a `tests.webserver.WebServer`:
* `CrossrefFake`: `/works/{doi}` (the work envelope, or Crossref's plain-text 404 "Resource not found.") and
  `/works?query.bibliographic=…&query.author=…&rows=N` (the work-list envelope), searching a corpus of work
  objects (tests/fixtures/resolve/crossref/works.json) by word overlap, the way a relevance search returns
  near misses for a title that does not exist.
* `OpenAlexFake`: `/works/doi:{doi}` (a Work, or 404 JSON) and `/works?filter=title.search:…&per_page=N` (the
  list envelope with `meta`), over tests/fixtures/resolve/openalex/works.json.
* SearXNG and Brave are answered from whole recorded-shape files in the tests themselves.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from tests.webserver import Reply, Request, WebServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "resolve"
JSON = "application/json; charset=utf-8"
_STOP = set("a an the of in on for and to with by from is are as at or its via de la".split())
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def load(relative: str):
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def _terms(text: str) -> set[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    words = {w for w in re.findall(r"[^\W_]+", text) if w not in _STOP and not _CJK.search(w)}
    cjk = "".join(_CJK.findall(text))
    return words | {cjk[i:i + 2] for i in range(len(cjk) - 1)}  # Japanese: character bigrams


def _rank(query_terms: set[str], docs: list[tuple[set[str], dict]], rows: int) -> list[tuple[float, dict]]:
    scored = []
    for terms, doc in docs:
        overlap = len(query_terms & terms)
        if overlap:
            scored.append((overlap / max(1, len(query_terms)) * 100, doc))
    scored.sort(key=lambda pair: -pair[0])
    return scored[:rows]


class CrossrefFake:
    def __init__(self, server: WebServer, works: list[dict] | None = None, prefix: str = ""):
        self.server = server
        self.works = works if works is not None else load("crossref/works.json")
        self.prefix = prefix
        for work in self.works:
            server.route(f"{prefix}/works/{quote(work['DOI'].lower(), safe='/')}", self._single(work))
        server.route(f"{prefix}/works", self._search)
        self.endpoint = server.url(prefix or "/").rstrip("/")
        # An unknown DOI: Crossref answers 404 with the plain text "Resource not found." (habanero's recording).
        _fallback(server, f"{prefix}/works/", lambda: Reply(404, "Resource not found.", content_type="text/plain"))

    def _single(self, work: dict):
        def answer(request: Request) -> Reply:
            body = {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": work}
            return Reply(200, json.dumps(body, ensure_ascii=False), content_type=JSON, headers=_crossref_headers(request))
        return answer

    def _search(self, request: Request) -> Reply:
        q = request.query.get("query.bibliographic", "")
        author = request.query.get("query.author", "")
        rows = int(request.query.get("rows", "20"))
        docs = [(_terms(" ".join(w.get("title", []) + w.get("subtitle", []))) |
                 {a.get("family", "").casefold() for a in w.get("author", [])}, w) for w in self.works]
        ranked = _rank(_terms(q) | ({author.casefold()} if author else set()), docs, rows)
        items = [{**doc, "score": round(score, 3)} for score, doc in ranked]
        body = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                "message": {"facets": {}, "total-results": len(items), "items": items, "items-per-page": rows,
                            "query": {"start-index": 0, "search-terms": None}}}
        return Reply(200, json.dumps(body, ensure_ascii=False), content_type=JSON, headers=_crossref_headers(request))



def _fallback(server: WebServer, under: str, reply) -> None:
    """Answer unregistered paths under `under` with `reply()` instead of the test server's HTML 404."""
    answer = server._answer

    def patched(request: Request) -> Reply:
        if request.path.startswith(under) and request.path not in server._routes:
            return reply()
        return answer(request)

    server._answer = patched


def _crossref_headers(request: Request) -> dict:
    polite = "mailto" in request.query or "mailto:" in request.headers.get("user-agent", "")
    return {"x-api-pool": "polite" if polite else "public", "x-rate-limit-limit": "10" if polite else "5",
            "x-rate-limit-interval": "1s", "x-concurrency-limit": "3" if polite else "1"}


class OpenAlexFake:
    def __init__(self, server: WebServer, works: list[dict] | None = None, prefix: str = ""):
        self.server = server
        self.works = works if works is not None else load("openalex/works.json")
        for work in self.works:
            doi = work["doi"].removeprefix("https://doi.org/").lower()
            server.route(f"{prefix}/works/doi:{quote(doi, safe='/')}", self._single(work))
        server.route(f"{prefix}/works", self._search)
        self.endpoint = server.url(prefix or "/").rstrip("/")
        _fallback(server, f"{prefix}/works/", openalex_not_found)

    @staticmethod
    def _single(work: dict):
        return lambda request: Reply(200, json.dumps(work, ensure_ascii=False), content_type=JSON)

    def _search(self, request: Request) -> Reply:
        filters = request.query.get("filter", "")
        title = filters.split("title.search:", 1)[1].split(",")[0] if "title.search:" in filters else ""
        title = title or request.query.get("search", "")
        per_page = int(request.query.get("per_page", request.query.get("per-page", "25")))
        docs = [(_terms(w["title"]), w) for w in self.works]
        ranked = _rank(_terms(title), docs, per_page)
        results = [{**doc, "relevance_score": round(score * 7.3, 4)} for score, doc in ranked]
        body = {"meta": {"count": len(results), "db_response_time_ms": 41, "page": 1, "per_page": per_page,
                         "groups_count": None},
                "results": results, "group_by": []}
        return Reply(200, json.dumps(body, ensure_ascii=False), content_type=JSON)


def openalex_not_found() -> Reply:
    return Reply(404, json.dumps({"error": "404 Not Found", "message": "The requested URL was not found."}),
                 content_type=JSON)
