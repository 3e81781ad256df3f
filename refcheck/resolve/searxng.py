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

from refcheck.resolve.apis import NOTHING_TO_SEARCH, USER_AGENT, ask_search_engine, search_results, search_terms
from refcheck.resolve.model import BackendAnswer, BackendWeb, Candidate, ResolveQuery

SERVICE = "SearXNG"


class SearxngBackend:
    name = "searxng"

    def __init__(self, endpoint: str | None):
        self.endpoint = endpoint.rstrip("/") if endpoint else None

    async def search(self, query: ResolveQuery, web: BackendWeb) -> BackendAnswer:
        if not self.endpoint:
            return BackendAnswer(self.name, skipped="no endpoint configured")
        q = search_terms(query)
        if q is None:
            return BackendAnswer(self.name, skipped=NOTHING_TO_SEARCH)
        params = {"q": q, "format": "json"}
        if query.language == "ja":
            params["language"] = "ja"
        asked = (f"q={q}" + (" language=ja" if "language" in params else ""),)
        return await ask_search_engine(self.name, SERVICE, web, f"{self.endpoint}/search", params=params,
                                       headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                                       asked=asked, read=self._read, refused=_refused)

    def _read(self, data: dict) -> tuple[tuple[Candidate, ...], str | None]:
        candidates = search_results(SERVICE, self.name, data.get("results"), "results", title="title",
                                    snippet="content", dates=("publishedDate", "pubdate"))
        silent = "" if candidates else _unresponsive(data.get("unresponsive_engines"))
        # No results because the engines failed says nothing about whether the page exists.
        return candidates, f"SearXNG returned nothing and these engines did not answer: {silent}" if silent else None


def _refused(status: int, problem: str) -> str:
    if status == 403:
        return ("SearXNG answered 403: the instance does not serve format=json "
                "(list json under search.formats in its settings.yml)")
    return problem


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
