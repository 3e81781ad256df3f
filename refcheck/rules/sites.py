"""Which publisher a URL belongs to (offline Public Suffix List, built-in publisher table), and the site-mismatch rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from refcheck.models import Finding, PageFacts
from refcheck.rules.registry import finding
# The names and domains part lives one layer down (the page reader uses it too); re-exported here for the rules.
from refcheck.sitenames import (SERVING_LABELS, Publisher, _host_within, _is_address, _suffix_list,  # noqa: F401
                                domain_name_keys, load_publishers, looks_like_domain, name_key, names_agree,
                                publishers_at, publishers_named, registrable_domain, related_publishers, url_host)

# Kinds of site whose URLs may carry any publisher's article: they give no verdict on the cited publisher.
CARRIER_KINDS = frozenset({"aggregator", "archive"})


@dataclass(frozen=True)
class SiteComparison:
    matches: bool | None  # None: cannot tell
    reason: str
    expected_domains: tuple[str, ...] = ()


# --- wrappers: archives and AMP caches carry another site's URL --------------------------------------------

_EMBEDDED_URL = re.compile(r"https?:/+[^\s]+", re.IGNORECASE)


def original_url(url: str) -> str:
    """The page a wrapper URL stands for: Wayback/archive.today/ウェブ魚拓 copies, AMP caches; else the URL itself."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:  # not a URL urllib can split: it wraps nothing
        return url
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    google_amp = host.startswith(("www.google.", "google.")) and rest.startswith("/amp/")
    if host.endswith(".cdn.ampproject.org") or google_amp:
        match = re.match(r"/(?:amp/|[cvi]/)(s/)?(.+)", rest)
        if match:
            return ("https://" if match.group(1) else "http://") + match.group(2)
    if any(_host_within(host, domain) for publisher in publishers_at(host) if publisher.kind == "archive"
           for domain in publisher.domains):
        embedded = _EMBEDDED_URL.search(rest)
        if embedded:
            return re.sub(r"^(https?):/+", r"\1://", embedded.group(0))
        warp = re.search(r"/pid/\d+/([a-z0-9.-]+\.[a-z]{2,}/.*)", rest)
        if warp:
            return "http://" + warp.group(1)
    return url


# --- the rule ----------------------------------------------------------------------------------------------


def site_matches(cited_site: str, url: str, page_site_name: str | None = None) -> SiteComparison:
    """Does the URL belong to the publisher the reference names? True, False, or None when it cannot be told."""
    page_url = original_url(url)
    host = url_host(page_url)
    if not cited_site or not cited_site.strip() or not host:
        return SiteComparison(None, "nothing to compare")
    if _is_address(host):
        return SiteComparison(None, f"{host} is an address, not a publisher's domain")
    cited_domain = looks_like_domain(cited_site)
    if cited_domain:
        return _compare_domains(cited_domain, host)
    return _compare_name(cited_site, host, page_site_name)


def _compare_domains(cited_domain: str, host: str) -> SiteComparison:
    expected = (registrable_domain(cited_domain),)
    if _host_within(host, cited_domain) or registrable_domain(host) == registrable_domain(cited_domain):
        return SiteComparison(True, f"{host} is on {expected[0]}", expected)
    at_host, at_cited = publishers_at(host), publishers_at(cited_domain)
    if _carrier(at_host):
        return SiteComparison(None, f"{host} ({at_host[0].name}) carries other publishers' articles", expected)
    if at_host and at_cited and related_publishers(at_host, at_cited):
        return SiteComparison(None, f"{host} and {cited_domain} belong to related publishers", expected)
    return SiteComparison(False, f"{host} is not on {expected[0]}", expected)


def _compare_name(cited_site: str, host: str, page_site_name: str | None) -> SiteComparison:
    named, at_host = publishers_named(cited_site), publishers_at(host)
    if not named:
        return _compare_unknown_name(cited_site, host, page_site_name)
    domains = tuple(dict.fromkeys(domain for publisher in named for domain in publisher.domains))
    if any(_host_within(host, domain) for domain in domains):
        return SiteComparison(True, f"{host} belongs to {named[0].name}", domains)
    if registrable_domain(host) in {registrable_domain(domain) for domain in domains if "." in domain}:
        return SiteComparison(True, f"{host} shares its registrable domain with {named[0].name}", domains)
    if page_site_name and names_agree(cited_site, page_site_name):
        return SiteComparison(True, f"the page calls its site {page_site_name!r}", domains)
    if _carrier(at_host) and not set(named) & set(at_host):
        return SiteComparison(None, f"{host} ({at_host[0].name}) carries other publishers' articles", domains)
    if at_host and related_publishers(named, at_host):
        return SiteComparison(None, f"{host} ({at_host[0].name}) is related to {named[0].name}", domains)
    return SiteComparison(False, f"{named[0].name} publishes on {', '.join(domains)}, not {host}", domains)


def _compare_unknown_name(cited_site: str, host: str, page_site_name: str | None) -> SiteComparison:
    if page_site_name and names_agree(cited_site, page_site_name):
        return SiteComparison(True, f"the page calls its site {page_site_name!r}")
    if name_key(cited_site) in domain_name_keys(host):
        return SiteComparison(True, f"{cited_site!r} is the name in {host}")
    return SiteComparison(None, f"{cited_site!r} is not a publisher refcheck knows")


def _carrier(publishers: tuple[Publisher, ...]) -> bool:
    return bool(publishers) and publishers[0].kind in CARRIER_KINDS


def check_site(cited_site: str | None, url: str | None, page: PageFacts | None, *,
               line: int | None = None, ref: str | None = None) -> Finding | None:
    """A site-mismatch finding when the URL surely belongs to another publisher than the one cited; else None."""
    if not cited_site or not url:
        return None
    page_site_name = page.site_name if page is not None and not page.challenge else None
    comparison = site_matches(cited_site, url, page_site_name)
    if comparison.matches is not False:
        return None
    host = url_host(original_url(url))
    owner = publishers_at(host)
    where = f"{host} ({owner[0].name})" if owner else host
    message = (f"the reference names {cited_site!r}, but the URL is on {where}; "
               f"expected {' or '.join(comparison.expected_domains)}")
    return finding("site-mismatch", message, line=line, url=url, ref=ref,
                   evidence={"cited_site": cited_site, "url_domain": registrable_domain(host),
                             "expected_domains": list(comparison.expected_domains),
                             "page_site_name": page_site_name})
