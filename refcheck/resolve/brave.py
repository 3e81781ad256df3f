"""The `brave` backend: candidate pages from the Brave Search API (web search).

`GET {endpoint}?q=<text>&count=N` with the `X-Subscription-Token` header; a Japanese reference adds
`search_lang=jp` and `country=JP` (Brave's own language code for Japanese is "jp", not "ja"). The text is the
specific title in quotes, else the key facts, with `site:<domain>` when the reference names a site.
Candidates are `web.results[]` in Brave's order (url, title, description as the snippet, page_age as the date);
proposals only, verified by the resolver. No key → skipped ("no BRAVE_API_KEY"); 429 → an error naming the
rate limit with Brave's X-RateLimit-* headers. Response fields read and sources: docs/resolve-apis.md.
"""

from __future__ import annotations

from refcheck.resolve.apis import USER_AGENT, ShapeError, failure, iso_date, need, read_json, search_text, \
    text_or_none, with_site
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
        text = search_text(query)
        if text is None:
            return BackendAnswer(self.name, skipped="no specific title or key facts to search for")
        q = with_site(text, query)
        params = {"q": q, "count": str(self.count)}
        if query.language == "ja":
            params.update({"search_lang": "jp", "country": "JP"})
        asked = (f"q={q}" + (" search_lang=jp" if query.language == "ja" else ""),)
        headers = {"X-Subscription-Token": self.api_key, "Accept": "application/json", "User-Agent": USER_AGENT}
        response = await web.get(self.endpoint, params=params, headers=headers)
        problem = failure(SERVICE, response)
        if problem:
            if response.status == 401 or response.status == 403:
                problem += " (is REFCHECK_BRAVE_API_KEY a valid key for the Web Search plan?)"
            return BackendAnswer(self.name, queries=asked, requests=1, error=problem)
        try:
            data = read_json(SERVICE, response)
            web_part = data.get("web")
            if web_part is None:  # no web results at all: Brave leaves the section out
                return BackendAnswer(self.name, queries=asked, requests=1)
            results = need(SERVICE, need(SERVICE, web_part, dict, "web").get("results"), list, "web.results")
            candidates = []
            seen = set()
            for result in results:
                result = need(SERVICE, result, dict, "web.results[]")
                url = result.get("url")
                if not (isinstance(url, str) and url.startswith(("http://", "https://"))) or url in seen:
                    continue
                seen.add(url)
                candidates.append(Candidate(
                    url=url, via=self.name, title=text_or_none(result.get("title")),
                    published=iso_date(result.get("page_age")), snippet=text_or_none(result.get("description")),
                    rank=len(candidates)))
        except ShapeError as exc:
            return BackendAnswer(self.name, queries=asked, requests=1, error=str(exc))
        return BackendAnswer(self.name, candidates=tuple(candidates), queries=asked, requests=1)
