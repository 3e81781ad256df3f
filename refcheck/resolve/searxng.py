"""The `searxng` backend: candidate pages from a SearXNG instance's JSON search API.

`GET {endpoint}/search?q=<text>&format=json` (+ `language=ja` for a Japanese reference), where the text is the
specific title in quotes, else the key facts of the citing sentences, with `site:<domain>` when the reference
names a site. Candidates are `results[]` in the instance's order (url, title, content as the snippet,
publishedDate). They are proposals only: the resolver fetches and verifies each one.
An instance serves JSON only when `json` is listed in `search.formats` of its settings.yml (the default lists
only html) and answers 403 otherwise — said so in the error. No endpoint configured → skipped.
Response fields read and sources: docs/resolve-apis.md.
"""

from __future__ import annotations

from refcheck.resolve.apis import USER_AGENT, ShapeError, failure, iso_date, need, read_json, search_text, \
    text_or_none, with_site
from refcheck.resolve.model import BackendAnswer, BackendWeb, Candidate, ResolveQuery

SERVICE = "SearXNG"


class SearxngBackend:
    name = "searxng"

    def __init__(self, endpoint: str | None):
        self.endpoint = endpoint.rstrip("/") if endpoint else None

    async def search(self, query: ResolveQuery, web: BackendWeb) -> BackendAnswer:
        if not self.endpoint:
            return BackendAnswer(self.name, skipped="no endpoint configured")
        text = search_text(query)
        if text is None:
            return BackendAnswer(self.name, skipped="no specific title or key facts to search for")
        q = with_site(text, query)
        params = {"q": q, "format": "json"}
        if query.language == "ja":
            params["language"] = "ja"
        asked = (f"q={q}" + (" language=ja" if "language" in params else ""),)
        response = await web.get(f"{self.endpoint}/search", params=params,
                                 headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
        if response.status == 403 and response.error is None:
            return BackendAnswer(self.name, queries=asked, requests=1,
                                 error="SearXNG answered 403: the instance does not serve format=json "
                                       "(list json under search.formats in its settings.yml)")
        problem = failure(SERVICE, response)
        if problem:
            return BackendAnswer(self.name, queries=asked, requests=1, error=problem)
        try:
            data = read_json(SERVICE, response)
            results = need(SERVICE, data.get("results"), list, "results")
            candidates = []
            seen = set()
            for result in results:
                result = need(SERVICE, result, dict, "results[]")
                url = result.get("url")
                if not (isinstance(url, str) and url.startswith(("http://", "https://"))) or url in seen:
                    continue
                seen.add(url)
                candidates.append(Candidate(
                    url=url, via=self.name, title=text_or_none(result.get("title")),
                    published=iso_date(result.get("publishedDate") or result.get("pubdate")),
                    snippet=text_or_none(result.get("content")), rank=len(candidates)))
        except ShapeError as exc:
            return BackendAnswer(self.name, queries=asked, requests=1, error=str(exc))
        error = None
        if not candidates:
            silent = _unresponsive(data.get("unresponsive_engines"))
            if silent:
                # No results because the engines failed says nothing about whether the page exists.
                error = f"SearXNG returned nothing and these engines did not answer: {silent}"
        return BackendAnswer(self.name, candidates=tuple(candidates), queries=asked, requests=1, error=error)


def _unresponsive(value) -> str:
    """"google (timeout), bing (CAPTCHA)" from [["google", "timeout"], ["bing", "CAPTCHA"]]."""
    if not isinstance(value, list):
        return ""
    out = []
    for entry in value[:6]:
        if isinstance(entry, list | tuple) and entry:
            out.append(f"{entry[0]} ({entry[1]})" if len(entry) > 1 and entry[1] else str(entry[0]))
        elif isinstance(entry, str):
            out.append(entry)
    return ", ".join(out)
