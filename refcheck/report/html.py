"""The one-off audit as one self-contained HTML file: summary charts, a filterable reference table, findings, claim verdicts."""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from dataclasses import dataclass
from html import escape as _html_escape

from refcheck import __version__
from refcheck.models import Claim, DocumentReport, FetchResult, Finding, Report, Severity, UrlStatus
from refcheck.report import summarize
from refcheck.report.clean import link_target, visible
from refcheck.report.evidence import evidence_lines
from refcheck.report.paths import where as where_of
from refcheck.weburl import parse

CLAIM_RULES = ("unsupported-claim", "partly-supported-claim", "unverifiable-claim", "uncited-claim")
SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
STATUS_ORDER = tuple(str(s) for s in UrlStatus) + ("no URL", "not fetched")
VERDICT_ORDER = ("supported", "partly supported", "not supported", "unverifiable", "uncited", "not checked",
                 "not check-worthy")
# Verdict → colour class shared by the badges and the chart bars.
VERDICT_CLASS = {"supported": "good", "partly supported": "warn", "not supported": "bad", "unverifiable": "info",
                 "uncited": "warn", "not checked": "muted", "not check-worthy": "muted"}
STATUS_CLASS = {"ok": "good", "dead": "bad", "soft-404": "bad", "invalid": "bad", "blocked": "warn",
                "timeout": "warn", "error": "warn", "unsafe": "warn", "excluded": "muted", "offline": "muted",
                "no URL": "muted", "not fetched": "muted"}
SEVERITY_CLASS = {"error": "bad", "warning": "warn", "info": "info"}
# Evidence shown by the text reporter's labels, plus the claim itself, which the HTML shows next to the source.
CLAIM_LABEL = "claim"
LINK_SCHEMES = ("http", "https")  # anything else (javascript:, data:) is shown as text, never made clickable

FONT_STACK = ('system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Hiragino Sans", '
              '"Hiragino Kaku Gothic ProN", "Yu Gothic UI", "Yu Gothic", Meiryo, "Noto Sans CJK JP", '
              '"Noto Sans JP", "IPAGothic", "IPAPGothic", "VL Gothic", sans-serif')

CSS = """
:root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --dim:#5b6475; --line:#dde1e8;
  --bad:#c62828; --bad-bg:#fdecea; --warn:#a15c00; --warn-bg:#fff4e0; --info:#1565c0; --info-bg:#e8f1fc;
  --good:#2e7d32; --good-bg:#e8f5e9; --muted:#6b7280; --muted-bg:#eef0f3; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); font-family:FONTS; font-size:14px; line-height:1.5; }
main { max-width:1500px; margin:0 auto; padding:20px 24px 60px; }
h1 { font-size:22px; margin:0 0 4px; } h2 { font-size:18px; margin:28px 0 10px; } h3 { font-size:15px; margin:18px 0 8px; }
.meta { color:var(--dim); margin:0 0 12px; }
.notice { background:var(--warn-bg); border-left:4px solid var(--warn); padding:6px 10px; margin:6px 0; }
.cards { display:flex; flex-wrap:wrap; gap:10px; margin:12px 0; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:8px 14px; min-width:110px; }
.card b { display:block; font-size:22px; } .card span { color:var(--dim); font-size:12px; }
.card.bad b { color:var(--bad); } .card.warn b { color:var(--warn); } .card.info b { color:var(--info); }
.charts { display:flex; flex-wrap:wrap; gap:14px; align-items:flex-start; }
.chart { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 14px; margin:0; }
.chart h3 { margin:0 0 6px; font-size:13px; color:var(--dim); font-weight:600; }
.chart svg text { font-family:FONTS; font-size:12px; fill:var(--ink); }
.chart svg .count { fill:var(--dim); }
svg .bar.good { fill:#43a047; } svg .bar.bad { fill:#e53935; } svg .bar.warn { fill:#fb8c00; }
svg .bar.info { fill:#1e88e5; } svg .bar.muted { fill:#9aa1ad; }
.controls { display:flex; flex-wrap:wrap; gap:10px; align-items:center; margin:6px 0 10px; }
.controls input, .controls select { font:inherit; padding:5px 8px; border:1px solid var(--line); border-radius:6px; background:#fff; }
.controls input { min-width:280px; }
#shown-count { color:var(--dim); }
.table-wrap { overflow-x:auto; background:var(--card); border:1px solid var(--line); border-radius:8px; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; vertical-align:top; padding:6px 8px; border-bottom:1px solid var(--line); }
thead th { position:sticky; top:0; background:#eef1f5; z-index:1; white-space:nowrap; }
th button { font:inherit; font-weight:600; background:none; border:0; padding:0; cursor:pointer; color:var(--ink); }
th button::after { content:" \\2195"; color:#9aa1ad; }
th[aria-sort=ascending] button::after { content:" \\25B2"; color:var(--ink); }
th[aria-sort=descending] button::after { content:" \\25BC"; color:var(--ink); }
tbody tr:hover { background:#f9fafb; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
td.url { min-width:220px; max-width:320px; overflow-wrap:anywhere; font-size:12px; }
td.status { max-width:240px; overflow-wrap:anywhere; }
td.title { min-width:180px; max-width:340px; } td.doc { max-width:200px; overflow-wrap:anywhere; font-size:12px; }
a { color:var(--info); }
.badge { display:inline-block; border-radius:10px; padding:0 8px; font-size:12px; font-weight:600; white-space:nowrap; }
.badge.bad { background:var(--bad-bg); color:var(--bad); } .badge.warn { background:var(--warn-bg); color:var(--warn); }
.badge.info { background:var(--info-bg); color:var(--info); } .badge.good { background:var(--good-bg); color:var(--good); }
.badge.muted { background:var(--muted-bg); color:var(--muted); }
.row-findings { list-style:none; margin:0; padding:0; } .row-findings li { white-space:nowrap; }
.small { font-size:12px; color:var(--dim); }
.findings { list-style:none; margin:0; padding:0; }
.finding { background:var(--card); border:1px solid var(--line); border-left:4px solid var(--muted); border-radius:6px;
  padding:8px 12px; margin:0 0 8px; }
.finding.bad { border-left-color:var(--bad); } .finding.warn { border-left-color:var(--warn); } .finding.info { border-left-color:var(--info); }
.finding .where { font-family:ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12px; color:var(--dim); }
.finding .rule { font-weight:600; }
dl.evidence { display:grid; grid-template-columns:max-content 1fr; gap:2px 12px; margin:6px 0 0; font-size:13px; }
dl.evidence dt { color:var(--dim); } dl.evidence dd { margin:0; overflow-wrap:anywhere; }
.says { margin:0; padding-left:18px; }
details summary { cursor:pointer; color:var(--dim); }
.passage { white-space:pre-wrap; background:var(--bg); padding:6px; border-radius:4px; }
.ok-note { color:var(--good); }
td.claim { min-width:320px; }
""".replace("FONTS", FONT_STACK)

# Every row carries its searchable text and its statuses/severities as data attributes, so the script only
# reads the DOM: no report data is ever placed inside the <script>, which keeps escaping to one place (HTML).
SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("ref-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  rows.forEach(function (row, index) {
    row.dataset.index = String(index);
    row.dataset.search = row.textContent.normalize("NFKC").toLowerCase();
  });
  var text = document.getElementById("filter-text");
  var status = document.getElementById("filter-status");
  var severity = document.getElementById("filter-severity");
  var shown = document.getElementById("shown-count");

  function matches(row) {
    var query = text.value.normalize("NFKC").toLowerCase().trim();
    if (query && query.split(/\\s+/).some(function (word) { return row.dataset.search.indexOf(word) < 0; })) { return false; }
    if (status && status.value && row.dataset.status !== status.value) { return false; }
    var wanted = severity.value, has = row.dataset.severities ? row.dataset.severities.split(" ") : [];
    if (wanted === "none") { return has.length === 0; }
    if (wanted === "any") { return has.length > 0; }
    return !wanted || has.indexOf(wanted) >= 0;
  }
  function applyFilters() {
    var count = 0;
    rows.forEach(function (row) { var keep = matches(row); row.hidden = !keep; if (keep) { count += 1; } });
    shown.textContent = count + " of " + rows.length + " shown";
  }
  [text, status, severity].forEach(function (control) {
    if (control) { control.addEventListener("input", applyFilters); control.addEventListener("change", applyFilters); }
  });

  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  function key(row, column) {
    var cell = row.cells[column];
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
  }
  function sortBy(header) {
    var column = header.cellIndex, numeric = header.dataset.type === "number";
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.setAttribute("aria-sort", "none"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var sorted = rows.slice().sort(function (a, b) {
      var x = key(a, column), y = key(b, column);
      var order = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : collator.compare(x, y);
      if (order === 0) { return a.dataset.index - b.dataset.index; }
      return ascending ? order : -order;
    });
    sorted.forEach(function (row) { body.appendChild(row); });
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    var button = th.querySelector("button");
    if (button) { button.addEventListener("click", function () { sortBy(th); }); }
  });
  applyFilters();
})();
"""


def escape(text: object) -> str:
    """Text for HTML, escaped (attributes too), with control and bidi characters made visible (report/clean.py)."""
    return _html_escape(visible(str(text)), quote=True)


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


# Only the report's own style and script may run, by hash: even a flaw in escaping could not run a stranger's
# script, and the page can load nothing from anywhere (default-src 'none').
CONTENT_SECURITY_POLICY = (f"default-src 'none'; script-src {_csp_hash(SCRIPT)}; style-src {_csp_hash(CSS)}; "
                           "img-src data:; base-uri 'none'; form-action 'none'")


@dataclass(frozen=True)
class ReferenceRow:
    """One row of the reference table: a reference-list entry, or a URL written in the prose outside the list."""

    path: str
    id: str | None  # None for a prose link
    line: int
    title: str | None
    site: str | None
    url: str | None
    result: FetchResult | None
    findings: tuple[Finding, ...]
    located: bool = False  # the document gives no URL: refcheck found this one (docs/resolve.md)

    @property
    def status(self) -> str:
        if not self.url:
            return "no URL"
        return str(self.result.status) if self.result else "not fetched"


@dataclass(frozen=True)
class ClaimVerdict:
    claim: Claim
    verdict: str  # one of VERDICT_ORDER
    finding: Finding | None


def render(report: Report) -> str:
    """The whole report as one HTML page that needs nothing but a browser: no file, font or script is fetched."""
    checked = report.command == "check"
    results = {result.url: result for result in report.urls}
    rows = [row for document_report in report.documents for row in reference_rows(document_report, results)]
    verdicts = {id(d): claim_verdicts(d, checked=checked, results=results) for d in report.documents}
    title = "refcheck report" if checked else "refcheck extraction"
    body = [
        f"<header><h1>{escape(title)}</h1>{_meta(report)}</header>",
        *(f'<p class="notice">{escape(notice)}</p>' for notice in report.notices),
        _summary(report, rows, [v for d in report.documents for v in verdicts[id(d)]]),
        _reference_table(rows, checked),
        _findings(report),
        _claims(report, verdicts),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CONTENT_SECURITY_POLICY)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="refcheck {escape(__version__)}">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + f"\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def reference_rows(document_report: DocumentReport, results: dict[str, FetchResult]) -> list[ReferenceRow]:
    """Each reference of the document, then each prose URL that no reference already cites (once each)."""
    path, extraction = document_report.document.path, document_report.extraction
    source_findings = [f for f in document_report.findings if f.rule not in CLAIM_RULES]
    rows = []
    located = {ref: resolution.get("url") if isinstance(resolution, dict) else resolution.url
               for ref, resolution in document_report.resolutions
               if (resolution.get("status") if isinstance(resolution, dict) else resolution.status) == "found"}
    for reference in extraction.references:
        urls = {u for u in (reference.url, reference.archive_url) if u}
        findings = tuple(f for f in source_findings
                         if f.ref == reference.id or (f.url in urls and f.ref in (None, reference.id)))
        found = located.get(reference.id) if not reference.url else None
        url = reference.url or found
        rows.append(ReferenceRow(path, reference.id, reference.line, reference.title, reference.site, url,
                                 results.get(url or ""), findings, located=found is not None))
    cited = {r.url for r in extraction.references} | {r.archive_url for r in extraction.references}
    seen: set[str] = set()
    for link in extraction.links:
        if link.ref is not None or link.url in cited or link.url in seen:
            continue
        seen.add(link.url)
        findings = tuple(f for f in source_findings if f.url == link.url and f.ref is None)
        rows.append(ReferenceRow(path, None, link.line, link.text, None, link.url, results.get(link.url), findings))
    return rows


def claim_verdicts(document_report: DocumentReport, *, checked: bool,
                   results: dict[str, FetchResult]) -> list[ClaimVerdict]:
    """Each claim with its verdict: from a claim rule's finding on its line, else what a clean check means."""
    claim_findings = [f for f in document_report.findings if f.rule in CLAIM_RULES]
    references = {r.id: r for r in document_report.extraction.references}
    return [_verdict(claim, claim_findings, checked, references, results) for claim in document_report.extraction.claims]


def _verdict(claim: Claim, claim_findings: list[Finding], checked: bool, references: dict,
             results: dict[str, FetchResult]) -> ClaimVerdict:
    item = _finding_for(claim, claim_findings)
    if item is not None:
        if item.rule in ("unsupported-claim", "partly-supported-claim"):
            return ClaimVerdict(claim, str(item.evidence.get("verdict", "not-supported")).replace("-", " "), item)
        return ClaimVerdict(claim, "unverifiable" if item.rule == "unverifiable-claim" else "uncited", item)
    if checked and _has_readable_source(claim, references, results):
        # A check verifies every cited claim and reports those its sources do not support.
        return ClaimVerdict(claim, "supported", None)
    if not claim.check_worthy:
        return ClaimVerdict(claim, "not check-worthy", None)
    return ClaimVerdict(claim, "not checked", None)


def _finding_for(claim: Claim, claim_findings: list[Finding]) -> Finding | None:
    """The claim rule's finding on the claim's line; when several sentences share a line, the one quoting this one."""
    on_line = [f for f in claim_findings if f.line == claim.line]
    for item in on_line:
        if claim.text in (item.evidence.get("claim"), item.evidence.get("sentence")):
            return item
    quoted = [f for f in on_line if f.evidence.get("claim") or f.evidence.get("sentence")]
    return None if quoted else (on_line[0] if on_line else None)


def _has_readable_source(claim: Claim, references: dict, results: dict[str, FetchResult]) -> bool:
    urls = [u for ref in claim.refs if (r := references.get(ref)) for u in (r.url, r.archive_url) if u]
    return any((result := results.get(url)) is not None and result.status is UrlStatus.OK
               for url in urls + list(claim.urls))


# ── page parts ──────────────────────────────────────────────────────────────────────────────────────────────


def _meta(report: Report) -> str:
    paths = ", ".join(d.document.path for d in report.documents)
    return f'<p class="meta">refcheck {escape(__version__)} · {escape(report.command)} · {escape(paths)}</p>'


def _summary(report: Report, rows: list[ReferenceRow], verdicts: list[ClaimVerdict]) -> str:
    summary = summarize(report)
    counts = summary["findings"]
    cards = [("documents", summary["documents"], ""), ("references", summary["references"], ""),
             ("links", summary["links"], ""), ("claims", summary["claims"], ""),
             ("errors", counts["error"], "bad"), ("warnings", counts["warning"], "warn"), ("info", counts["info"], "info")]
    card_html = "".join(f'<div class="card {cls}"><b>{value}</b><span>{escape(label)}</span></div>'
                        for label, value, cls in cards)
    charts = []
    if report.command == "check":
        statuses = Counter(row.status for row in rows)
        charts.append(bar_chart("References by URL status", [
            (status, statuses[status], STATUS_CLASS.get(status, "muted")) for status in STATUS_ORDER if statuses[status]]))
    charts.append(bar_chart("Findings by severity",
                            [(str(s), counts[str(s)], SEVERITY_CLASS[str(s)]) for s in SEVERITY_ORDER]))
    findings = [f for d in report.documents for f in d.findings]
    if findings:
        charts.append(bar_chart("Findings by rule", _rule_bars(findings)))
    if verdicts:
        tally = Counter(v.verdict for v in verdicts)
        charts.append(bar_chart("Claims by verdict",
                                [(v, tally[v], VERDICT_CLASS[v]) for v in VERDICT_ORDER if tally[v]]))
    return (f'<section id="summary"><h2>Summary</h2><div class="cards">{card_html}</div>'
            f'<div class="charts">{"".join(charts)}</div></section>')


def _rule_bars(findings: list[Finding]) -> list[tuple[str, int, str]]:
    """Rules most frequent first, each coloured by the worst severity it was reported with."""
    by_rule: dict[str, list[Finding]] = {}
    for item in findings:
        by_rule.setdefault(item.rule, []).append(item)
    bars = []
    for rule, items in sorted(by_rule.items(), key=lambda pair: (-len(pair[1]), pair[0])):
        worst = max((f.severity for f in items), key=lambda s: s.rank)
        bars.append((rule, len(items), SEVERITY_CLASS[str(worst)]))
    return bars


def bar_chart(title: str, bars: list[tuple[str, int, str]], *, bar_width: int = 220) -> str:
    """A horizontal bar chart as inline SVG: one (label, count, colour class) per bar, scaled to the largest."""
    row_height, label_width = 22, max([60] + [7 * len(label) + 10 for label, _, _ in bars])
    height = max(row_height * len(bars), row_height)
    largest = max([count for _, count, _ in bars] + [1])
    parts = []
    for index, (label, count, css_class) in enumerate(bars):
        y = index * row_height
        width = round(bar_width * count / largest) if count else 0
        parts.append(
            f'<g class="row" data-label="{escape(label)}" data-count="{count}">'
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar {escape(css_class)}" x="{label_width}" y="{y + 4}" width="{max(width, 1 if count else 0)}" '
            f'height="{row_height - 8}" rx="2"><title>{escape(label)}: {count}</title></rect>'
            f'<text class="count" x="{label_width + width + 6}" y="{y + 15}">{count}</text></g>')
    total_width = label_width + bar_width + 40
    return (f'<figure class="chart"><h3>{escape(title)}</h3>'
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" width="{total_width}" '
            f'height="{height}" viewBox="0 0 {total_width} {height}">{"".join(parts)}</svg></figure>')


def _reference_table(rows: list[ReferenceRow], checked: bool) -> str:
    columns = [("Document", "text"), ("ID", "text"), ("Line", "number"), ("Cited title", "text"), ("Site", "text"),
               ("URL", "text")]
    if checked:
        columns += [("Status", "text"), ("Page title", "text")]
    columns.append(("Findings", "number"))
    header = "".join(f'<th scope="col" data-type="{kind}" aria-sort="none"><button type="button">{escape(name)}</button></th>'
                     for name, kind in columns)
    body = "\n".join(_reference_row(row, checked) for row in rows)
    return (f'<section id="references"><h2>References and links</h2>{_controls(rows, checked)}'
            f'<div class="table-wrap"><table id="ref-table"><thead><tr>{header}</tr></thead>'
            f'<tbody>\n{body}\n</tbody></table></div></section>')


def _controls(rows: list[ReferenceRow], checked: bool) -> str:
    parts = ['<label>Filter <input id="filter-text" type="search" placeholder="text in any column…" '
             'autocomplete="off"></label>']
    if checked:
        present = Counter(row.status for row in rows)
        options = "".join(f'<option value="{escape(s)}">{escape(s)} ({present[s]})</option>'
                          for s in STATUS_ORDER if present[s])
        parts.append(f'<label>Status <select id="filter-status"><option value="">all</option>{options}</select></label>')
    severities = "".join(f'<option value="{s}">{s}</option>' for s in SEVERITY_ORDER)
    parts.append('<label>Findings <select id="filter-severity"><option value="">all rows</option>'
                 f'<option value="any">any finding</option>{severities}<option value="none">no findings</option>'
                 '</select></label>')
    parts.append('<span id="shown-count" aria-live="polite"></span>')
    return f'<div class="controls">{"".join(parts)}</div>'


def _reference_row(row: ReferenceRow, checked: bool) -> str:
    severities = sorted({str(f.severity) for f in row.findings})
    cells = [
        f'<td class="doc">{escape(row.path)}</td>',
        f'<td>{escape(row.id) if row.id is not None else "<span class=small>link</span>"}</td>',
        f'<td class="num">{row.line}</td>',
        f'<td class="title">{escape(row.title or "")}</td>',
        f'<td>{escape(row.site or "")}</td>',
        f'<td class="url">{link(row.url)}'
        + ('<div class="small">⌕ located by refcheck: the document gives no URL</div>' if row.located else "")
        + "</td>",
    ]
    if checked:
        cells += [f'<td class="status" data-sort="{escape(row.status)}">{_status_badge(row)}</td>',
                  f'<td class="title">{escape(_page_title(row.result))}</td>']
    worst = max((f.severity.rank for f in row.findings), default=-1)
    cells.append(f'<td data-sort="{(worst + 1) * 1000 + len(row.findings)}">{_row_findings(row.findings)}</td>')
    return (f'<tr data-status="{escape(row.status)}" data-severities="{" ".join(severities)}">'
            + "".join(cells) + "</tr>")


def _linkable(url: str) -> bool:
    parsed = parse(url)  # the WHATWG parse a browser will make of the href
    return parsed is not None and parsed.scheme in LINK_SCHEMES


def link(url: str | None) -> str:
    """A clickable link for an http(s) URL; any other text (javascript:, data:, garbage) is shown, never followed."""
    if not url:
        return ""
    if _linkable(url):
        return f'<a href="{escape(link_target(url))}" rel="noopener noreferrer nofollow" target="_blank">{escape(url)}</a>'
    return escape(url)


def _status_badge(row: ReferenceRow) -> str:
    badge = f'<span class="badge {STATUS_CLASS.get(row.status, "muted")}">{escape(row.status)}</span>'
    result = row.result
    if result is None:
        return badge
    reason = result.reason if result.status is not UrlStatus.OK else None
    extra = [reason] if reason else []
    if result.http_status and not (reason or "").startswith("HTTP"):
        extra.insert(0, f"HTTP {result.http_status}")
    if result.redirects and result.final_url:
        extra.append(f"moved to {result.final_url}")
    return badge + "".join(f'<div class="small">{escape(text)}</div>' for text in extra)


def _page_title(result: FetchResult | None) -> str:
    return result.page.title if result and result.page and result.page.title else ""


def _row_findings(findings: tuple[Finding, ...]) -> str:
    if not findings:
        return ""
    items = "".join(f'<li title="{escape(f.message)}">{_severity_badge(f.severity)} {escape(f.rule)}</li>' for f in findings)
    return f'<ul class="row-findings">{items}</ul>'


def _severity_badge(severity: Severity) -> str:
    return f'<span class="badge {SEVERITY_CLASS[str(severity)]}">{escape(str(severity))}</span>'


def _findings(report: Report) -> str:
    parts = ['<section id="findings"><h2>Findings by document</h2>']
    for document_report in report.documents:
        path = document_report.document.path
        parts.append(f'<h3>{escape(path)} <span class="small">({escape(str(document_report.document.format))}, '
                     f"{len(document_report.findings)} findings)</span></h3>")
        if not document_report.findings:
            parts.append('<p class="ok-note">No findings.</p>')
            continue
        parts.append('<ul class="findings">' + "".join(_finding(path, f) for f in document_report.findings) + "</ul>")
    parts.append("</section>")
    return "".join(parts)


def _finding(path: str, item: Finding) -> str:
    where = where_of(path, item)
    return (f'<li class="finding {SEVERITY_CLASS[str(item.severity)]}" data-rule="{escape(item.rule)}">'
            f'<span class="where">{escape(where)}</span> {_severity_badge(item.severity)} '
            f'<span class="rule">{escape(item.rule)}</span> — {escape(item.message)}{_evidence(item)}</li>')


def _evidence(item: Finding) -> str:
    """The evidence as a definition list: cited vs page title, the claim vs what the source says, and so on."""
    rows = []
    if item.url and item.url not in item.message:
        rows.append(("URL", link(item.url)))
    claim = item.evidence.get("claim")
    if claim:
        rows.append((CLAIM_LABEL, escape(str(claim))))
    contradictions = item.evidence.get("contradictions") or []
    if contradictions:
        says = "".join(f"<li>the claim says <b>{escape(str(pair[0]))}</b>; the source says <b>{escape(str(pair[1]))}</b></li>"
                       for pair in contradictions if isinstance(pair, (list, tuple)) and len(pair) == 2)
        rows.append(("source says otherwise", f'<ul class="says">{says}</ul>'))
    for label, value in evidence_lines(item):
        if label == "source says otherwise":
            continue
        if label == "closest passage":
            rows.append((label, f'<details><summary>show</summary><div class="passage">{escape(value)}</div></details>'))
        else:
            rows.append((label, escape(value)))
    if not rows:
        return ""
    return '<dl class="evidence">' + "".join(f"<dt>{escape(label)}</dt><dd>{value}</dd>" for label, value in rows) + "</dl>"


def _claims(report: Report, verdicts: dict[int, list[ClaimVerdict]]) -> str:
    parts = ['<section id="claims"><h2>Claims and verdicts</h2>']
    if report.command != "check":
        parts.append('<p class="small">Extraction only: cited claims are verified against their sources by '
                     "<code>refcheck check</code>.</p>")
    for document_report in report.documents:
        items = verdicts[id(document_report)]
        path = document_report.document.path
        parts.append(f'<h3>{escape(path)} <span class="small">({len(items)} claims)</span></h3>')
        if not items:
            parts.append('<p class="small">No claims found.</p>')
            continue
        rows = "".join(_claim_row(v) for v in items)
        parts.append('<div class="table-wrap"><table class="claims"><thead><tr><th>Line</th><th>Speaker</th>'
                     f"<th>Claim</th><th>Cites</th><th>Verdict</th><th>Why</th></tr></thead><tbody>{rows}</tbody>"
                     "</table></div>")
    parts.append("</section>")
    return "".join(parts)


def _claim_row(item: ClaimVerdict) -> str:
    claim = item.claim
    cites = [f"[{escape(ref)}]" for ref in claim.refs] + [link(url) for url in claim.urls]
    why = escape(item.finding.message) if item.finding else ""
    if not why and claim.reasons:
        why = '<span class="small">looks factual because of ' + escape(", ".join(claim.reasons)) + "</span>"
    verdict = f'<span class="badge {VERDICT_CLASS.get(item.verdict, "muted")}">{escape(item.verdict)}</span>'
    return (f'<tr data-verdict="{escape(item.verdict)}"><td class="num">{claim.line}</td>'
            f'<td>{escape(claim.speaker or "")}</td><td class="claim">{escape(claim.text)}</td>'
            f'<td class="url">{" ".join(cites)}</td><td>{verdict}</td><td>{why}</td></tr>')
