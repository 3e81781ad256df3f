"""The `brave` backend: candidate pages from the Brave Search API (web search).

`GET {endpoint}?q=<text>&count=N` with the `X-Subscription-Token` header; a Japanese reference adds
`search_lang=jp` and `country=JP` (Brave's own language code for Japanese is "jp", not "ja"). The text is the
specific title in quotes, else the key facts, with `site:<domain>` when the reference names a site.
Candidates are `web.results[]` in Brave's order (url, title, description as the snippet, page_age as the date);
proposals only, verified by the resolver. No key → skipped ("no BRAVE_API_KEY"); 429 → an error naming the
rate limit with Brave's X-RateLimit-* headers. Response fields read and sources: docs/resolve-apis.md.
"""

from __future__ import annotations

from refcheck.resolve.apis import NOTHING_TO_SEARCH, USER_AGENT, ask_search_engine, need, search_results, \
    search_terms
from refcheck.resolve.model import BackendAnswer, BackendWeb, Candidate, ResolveQuery

SERVICE = "Brave Search"


class BraveBackend:
    name = "brave"

    def __init__(self, endpoint: str = "https://api.search.brave.com/res/v1/web/search", api_key: str | None = None,
                 count: int = 10):
        self.endpoint = endpoint
        self.api_key = api_key
        self.count = max(1, min(int(count), 20))  # Brave's maximum is 20

    async def search(self, query: ResolveQuery, web: BackendWeb) -> BackendAnswer:
        if not self.api_key:
            return BackendAnswer(self.name, skipped="no BRAVE_API_KEY (set REFCHECK_BRAVE_API_KEY)")
        q = search_terms(query)
        if q is None:
            return BackendAnswer(self.name, skipped=NOTHING_TO_SEARCH)
        params = {"q": q, "count": str(self.count)}
        if query.language == "ja":
            params.update({"search_lang": "jp", "country": "JP"})
        asked = (f"q={q}" + (" search_lang=jp" if query.language == "ja" else ""),)
        headers = {"X-Subscription-Token": self.api_key, "Accept": "application/json", "User-Agent": USER_AGENT}
        return await ask_search_engine(self.name, SERVICE, web, self.endpoint, params=params, headers=headers,
                                       asked=asked, read=self._read, refused=_refused)

    def _read(self, data: dict) -> tuple[tuple[Candidate, ...], None]:
        web_part = data.get("web")
        if web_part is None:  # no web results at all: Brave leaves the section out
            return (), None
        results = need(SERVICE, web_part, dict, "web").get("results")
        return search_results(SERVICE, self.name, results, "web.results", title="title", snippet="description",
                              dates=("page_age",)), None


def _refused(status: int, problem: str) -> str:
    if status in (401, 403):
        return problem + " (is REFCHECK_BRAVE_API_KEY a valid key for the Web Search plan?)"
    return problem
