"""Read a fetched page's bytes into PageFacts: decoding, title candidates, site name, date, main text, soft-404 and challenge signals."""

from __future__ import annotations

import bisect
import codecs
import functools
import html
import json
import re
import unicodedata

from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser, LexborNode

from refcheck.headline import reader_title
from refcheck.models import PageFacts
from refcheck.weburl import join

MAX_MAIN_TEXT = 200_000  # characters; the claim checker searches it, a longer body adds nothing but memory
_SNIFF_BYTES = 8192  # where a <meta charset> or XML declaration is looked for (WHATWG prescans 1024; real pages put it later)

# ---------------------------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# A declared Japanese charset is decoded with its commonest superset first: servers say "Shift_JIS" for CP932
# (NEC/IBM extensions, ① ② …) and "EUC-JP" for pages with JIS X 0212/0213 characters.
_CODEC_FAMILIES: dict[str, tuple[str, ...]] = {
    "shift_jis": ("cp932", "shift_jis_2004"),
    "cp932": ("cp932", "shift_jis_2004"),
    "shift_jis_2004": ("shift_jis_2004", "cp932"),
    "shift_jisx0213": ("shift_jis_2004", "cp932"),
    "euc_jp": ("euc_jp", "euc_jis_2004"),
    "euc_jis_2004": ("euc_jis_2004", "euc_jp"),
    "euc_jisx0213": ("euc_jis_2004", "euc_jp"),
    "iso2022_jp": ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_2004"),
    "iso2022_jp_2": ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_2004"),
    "latin_1": ("cp1252",),  # WHATWG: iso-8859-1 and us-ascii labels mean windows-1252
    "iso8859_1": ("cp1252",),
    "ascii": ("cp1252",),
}
_JAPANESE_GUESSES = ("cp932", "euc_jp", "euc_jis_2004", "shift_jis_2004", "iso2022_jp_2")
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.\-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.\-]+)", re.I)
_XML_ENCODING = re.compile(rb"<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9_:.\-]+)", re.I)
_ISO2022_ESCAPE = re.compile(rb"\x1b\$[@B(]")
# Counted by runs (each character of a run counts): a findall of single characters makes one string per character,
# tens of thousands on a Japanese page.
_KANA_OR_CJK_PUNCT = re.compile(r"[\u3000-\u30ff\uff01-\uff5e]+")
# Signs of a wrong decode: half-width katakana (EUC-JP read as Shift_JIS), private-use, C1 controls, U+FFFD.
_UNLIKELY_CHARS = re.compile(r"[\uff61-\uff9f\ue000-\uf8ff\x80-\x9f\ufffd]+")


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode a page's bytes; returns (text, codec used). A declared charset is trusted only if it decodes plausibly."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, errors="replace"), codec
    if body.isascii():
        if _ISO2022_ESCAPE.search(body):
            return _decode_family(body, "iso2022_jp") or (body.decode("ascii"), "ascii")
        return body.decode("ascii"), "ascii"
    # Valid UTF-8 with multi-byte sequences is almost never a legacy encoding by accident: it beats any declaration
    # (several Japanese pages declare Shift_JIS and are UTF-8).
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for declared in (_charset_from_header(content_type), _charset_from_markup(body)):
        decoded = _decode_family(body, declared) if declared else None
        if decoded:
            return decoded
    return _guess_encoding(body)


def _charset_from_header(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return _codec_name(match.group(1)) if match else None


def _charset_from_markup(body: bytes) -> str | None:
    head = body[:_SNIFF_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return _codec_name(match.group(1).decode("ascii", "replace")) if match else None


def _codec_name(label: str) -> str | None:
    label = label.strip().lower()
    if label in ("x-sjis", "sjis", "ms_kanji", "windows-31j", "x-ms-cp932", "csshiftjis", "ms932"):
        return "shift_jis"
    if label in ("x-euc-jp", "cseucpkdfmtjapanese", "eucjp-ms", "eucjp-win", "cp51932"):
        return "euc_jp"
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None


def _decode_family(body: bytes, codec: str) -> tuple[str, str] | None:
    """Strictly decode with a declared codec (or its supersets) and keep the result only if it looks like real text."""
    if codec.startswith("utf_16") or codec.startswith("utf_32"):
        return None  # a page that really is UTF-16 starts with a BOM; a UTF-16 label on 8-bit bytes is wrong (WHATWG)
    for candidate in _CODEC_FAMILIES.get(codec, (codec,)):
        try:
            text = body.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        if _looks_plausible(text):
            return text, candidate
    return None


def _looks_plausible(text: str) -> bool:
    non_ascii = _non_ascii_count(text)
    if non_ascii < 10:
        return True
    return _count(_UNLIKELY_CHARS, text) / non_ascii < 0.1


def _japanese_score(text: str) -> float:
    non_ascii = _non_ascii_count(text) or 1
    return (_count(_KANA_OR_CJK_PUNCT, text) - 3 * _count(_UNLIKELY_CHARS, text)) / non_ascii


def _non_ascii_count(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))  # the encoder drops exactly the characters above U+007F


def _count(runs: re.Pattern, text: str) -> int:
    """How many characters of `text` the character class that `runs` repeats matches."""
    return sum(map(len, runs.findall(text)))


def _guess_encoding(body: bytes) -> tuple[str, str]:
    """No usable declaration: Japanese codecs first (kana are a strong signal), then charset-normalizer."""
    sample = body[:65536]
    best: tuple[float, str] | None = None
    for codec in _JAPANESE_GUESSES:
        try:
            score = _japanese_score(sample.decode(codec))
        except UnicodeDecodeError:
            # A truncated sample may end inside a character; judge the codec on the whole body then.
            try:
                score = _japanese_score(body.decode(codec)) if len(body) > len(sample) else None
            except UnicodeDecodeError:
                score = None
        if score is not None and (best is None or score > best[0]):
            best = (score, codec)
    if best and best[0] >= 0.2:
        for codec in _CODEC_FAMILIES.get(best[1], (best[1],)):
            try:
                return body.decode(codec), codec
            except UnicodeDecodeError:
                continue
        return body.decode(best[1], errors="replace"), best[1]
    match = from_bytes(body).best()
    if match is not None:
        return str(match), match.encoding
    return body.decode("utf-8", errors="replace"), "utf-8"


# ---------------------------------------------------------------------------------------------------------------
# The page as a whole
# ---------------------------------------------------------------------------------------------------------------

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_SNIFF = re.compile(rb"<(!doctype\s+html|html|head|body|title|meta)[\s>]", re.I)


def read_page(body: bytes, content_type: str | None, url: str, *, want_text: bool = True,
              want_anchors: bool = True) -> PageFacts:
    """Everything the checks need from one fetched page. Never raises on bad input.

    With `want_text=False` the main text is not extracted (`main_text` is ""), which is most of the cost of an HTML
    page; every other fact is the same as with `want_text=True`. For pages whose text no claim is checked against.
    With `want_anchors=False` an HTML page's ids and names are not collected (`anchors` is None, "not read"): only
    `check --check-fragments` needs them.
    """
    media_type = _media_type(content_type)
    if media_type is None:
        media_type = _sniff_media_type(body)
    if media_type in _HTML_TYPES:
        return _read_html(body, content_type, url, media_type, want_text, want_anchors)
    if media_type.startswith("text/") and media_type not in ("text/xml", "text/css", "text/javascript"):
        if not want_text:
            return PageFacts(content_type=media_type)
        text, _ = decode_html(body, content_type)
        return PageFacts(main_text=_tidy_lines(text)[:MAX_MAIN_TEXT], content_type=media_type)
    return PageFacts(content_type=media_type)


def _media_type(content_type: str | None) -> str | None:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media or None


def _sniff_media_type(body: bytes) -> str:
    head = body[:1024].lstrip()
    if _HTML_SNIFF.search(head):
        return "text/html"
    if b"\x00" in head and not head.startswith(codecs.BOM_UTF16_LE) and not head.startswith(codecs.BOM_UTF16_BE):
        return "application/octet-stream"
    return "text/plain"


def _read_html(body: bytes, content_type: str | None, url: str, media_type: str, want_text: bool,
               want_anchors: bool = True) -> PageFacts:
    text, codec = decode_html(body, content_type)
    # Bytes that decoded strictly as UTF-8 (or ASCII) are already the text's UTF-8: the parser and the challenge-marker
    # scan take them as they are instead of encoding the page again.
    utf8 = body if codec in ("utf-8", "ascii") else None
    try:
        tree = LexborHTMLParser(utf8 if utf8 is not None else text)
    except Exception:  # selectolax raises on a few pathological inputs; a page we cannot parse is just empty
        return PageFacts(content_type=media_type)
    elements = _Landmarks(tree)
    meta = _collect_meta(tree)
    json_ld = _json_ld_facts(elements.json_ld)
    headings = _h1_texts(tree)
    h1 = headings[0] if headings else None
    html_title = _html_title(tree)
    candidates = _title_candidates(meta, json_ld, h1, html_title)
    site_name = _first(meta.get("og:site_name"), json_ld.get("publisher"), meta.get("application-name"), json_ld.get("website"))
    title = reader_title(
        candidates, html_title=_clean_inline(html_title), headings=headings, url=url,
        subheadings=lambda: _h2_texts(tree),
        site_names=(meta.get("og:site_name"), json_ld.get("publisher"), meta.get("application-name"),
                    json_ld.get("website"), meta.get("apple-mobile-web-app-title"),
                    (meta.get("twitter:site") or "").lstrip("@")),
        on_page=lambda: _home_link_names(tree, url),
    ) if candidates else None
    challenge_hint = _challenge_from_markup(text, candidates, utf8)
    has_password = bool(elements.password_inputs)
    canonical_url = _canonical_url(elements, url)
    language, published = _language(tree, meta), _published(elements, meta, json_ld)
    # Without want_text the text is still needed, rarely, for two other facts: the login-wall test (a password form)
    # and the body's soft-404 signals (a "not found" phrase somewhere in the page's text).
    anchors = _anchors(tree) if want_anchors else None  # before the main text: that removes boilerplate (and its ids) from the tree
    if want_text or has_password or _body_may_say_not_found(tree):
        main_text = extract_main_text(tree, text, pristine=True)  # last: it removes boilerplate from the tree
    else:
        main_text = ""
    return PageFacts(
        title_candidates=candidates,
        title=title,
        site_name=site_name,
        canonical_url=canonical_url,
        language=language,
        published=published,
        main_text=main_text if want_text else "",
        content_type=media_type,
        soft_404_signals=_soft_404_signals(candidates, h1, main_text),
        challenge=challenge_hint or _login_wall(has_password, candidates, main_text),
        anchors=anchors,
    )


MAX_ANCHORS = 20_000  # ids and names kept per page: what a #fragment may name


def _anchors(tree: LexborHTMLParser) -> tuple[str, ...]:
    """Every id and name in the page, for `check --check-fragments` (the main-text pass has not pruned it yet)."""
    found: dict[str, None] = {}
    for node in tree.css("[id], [name]"):
        attributes = node.attributes
        for key in ("id", "name"):
            value = attributes.get(key)
            if value:
                found[value] = None
        if len(found) >= MAX_ANCHORS:
            break
    return tuple(found)


# The few elements read once each, found by tag name (a name lookup walks the tree several times faster than the
# selector engine, and a read without the main text then never starts that engine). Each list holds exactly what the
# selector beside it matches, in document order: a value spelt as in the selector matches in every namespace; another
# spelling that might match is left to lexbor, whose rules differ between HTML and SVG/MathML elements (a node does
# not expose its namespace) and between control characters.
_JSON_LD_SCRIPT = 'script[type="application/ld+json"]'
_PASSWORD_INPUT = "input[type=password]"
_CANONICAL_LINK = 'link[rel~="canonical" i]'


class _Landmarks:
    """JSON-LD scripts, password inputs, canonical links, <base href>s and <time datetime>s, in document order.

    The <base>s and <time>s are looked for when first asked for (a walk of the tree each): the <base> only for a
    canonical link, the <time>s only for a page whose metadata gives no date. Ask before the tree is changed (the
    main text's pass removes nodes).
    """

    __slots__ = ("json_ld", "password_inputs", "canonical_links", "_tree", "_bases", "_times")

    def __init__(self, tree: LexborHTMLParser):
        self.json_ld = _matching(tree, tree.tags("script"), _JSON_LD_SCRIPT, _is_json_ld)
        self.password_inputs = _matching(tree, tree.tags("input"), _PASSWORD_INPUT, _is_password)
        self.canonical_links = _matching(tree, tree.tags("link"), _CANONICAL_LINK, _is_canonical)
        self._tree = tree
        self._bases: list[LexborNode] | None = None
        self._times: list[LexborNode] | None = None

    @property
    def bases(self) -> list[LexborNode]:
        if self._bases is None:
            self._bases = [node for node in self._tree.tags("base") if "href" in node.attributes]
        return self._bases

    @property
    def times(self) -> list[LexborNode]:
        if self._times is None:
            self._times = [node for node in self._tree.tags("time") if "datetime" in node.attributes]
        return self._times


def _matching(tree: LexborHTMLParser, nodes: list[LexborNode], selector: str, quick_test) -> list[LexborNode]:
    """The `nodes` that `selector` matches. `quick_test(attributes)` says True or False, or None when only lexbor can
    tell: then the selector runs once for the page (a node's css_matches() is no help: it also says True when only a
    descendant matches)."""
    chosen = []
    lexbor_ids: set[int] | None = None
    for node in nodes:
        verdict = quick_test(node.attributes)
        if verdict is None:
            if lexbor_ids is None:
                lexbor_ids = {match.mem_id for match in tree.css(selector)}
            verdict = node.mem_id in lexbor_ids
        if verdict:
            chosen.append(node)
    return chosen


def _value_test(actual: str | None, value: str) -> bool | None:
    """[name=value] for a lower-case `value`: sure when the spelling is the same or the letters differ."""
    if actual == value:
        return True
    return None if actual is not None and actual.lower() == value else False


def _is_json_ld(attributes: dict[str, str | None]) -> bool | None:
    return _value_test(attributes.get("type"), "application/ld+json")


def _is_password(attributes: dict[str, str | None]) -> bool | None:
    return _value_test(attributes.get("type"), "password")


def _is_canonical(attributes: dict[str, str | None]) -> bool | None:
    rel = attributes.get("rel")
    if not rel or "canonical" not in rel.lower():
        return False
    return True if "canonical" in rel.split(" ") else None


def _first(*values: str | None) -> str | None:
    for value in values:
        if value:
            return value
    return None


def _clean_inline(value: str | None) -> str:
    """White-space runs as one space, ends stripped. str.split() and the regex \\s agree on what white space is."""
    return " ".join(value.split()) if value else ""


class _Words:
    """A case-insensitive "contains any of these words" test that stays cheap on the many strings of a page.

    CPython's regex engine tries every branch of an alternation at every position: a 50-word `re.I` pattern costs
    about 140 µs on one class attribute, and a real page has hundreds of them. Here the plain words are substring
    checks on the lower-cased value and only the words that need a boundary or an anchor go through a small regex.
    Lower-casing first is the same as re.I except for characters no class name or phrase here uses (ſ, İ, K).
    """

    __slots__ = ("words", "bounded")

    def __init__(self, words: str, bounded: str = ""):
        """`words`: literal words separated by "|"; `bounded`: a regex for the words that need \\b, ^ or $."""
        self.words = tuple(words.split("|"))
        self.bounded = re.compile(bounded) if bounded else None

    def found_in(self, lowered: str) -> bool:
        """`lowered` must already be lower-cased (callers test one value against several word lists)."""
        for word in self.words:  # a plain loop: a generator inside any() costs twice as much per word
            if word in lowered:
                return True
        return self.bounded is not None and self.bounded.search(lowered) is not None


# ---------------------------------------------------------------------------------------------------------------
# Metadata: <meta>, JSON-LD, titles, canonical, language, date
# ---------------------------------------------------------------------------------------------------------------


def _collect_meta(tree: LexborHTMLParser) -> dict[str, str]:
    """First non-empty content of each <meta name|property|itemprop|http-equiv> whose key the reader reads
    (_META_KEYS_READ), keys lower-cased. The others (description, viewport, og:image …, most of a page's <meta>s)
    are not kept, and their content is not cleaned."""
    found: dict[str, str] = {}
    for node in tree.tags("meta"):  # tags(): a name lookup, several times cheaper than the selector engine
        attrs = node.attributes
        content: str | None = None  # cleaned when a key needs it: "" for a content that is empty or white space
        for attr in _META_KEY_ATTRIBUTES:
            value = attrs.get(attr)
            if value:  # most <meta>s have one of the four: no lower() and split() of nothing for the other three
                for key in value.lower().split():
                    if key in _META_KEYS_READ and key not in found:
                        if content is None:
                            content = _clean_inline(attrs.get("content"))
                        if content:
                            found[key] = content
    return found


_META_KEY_ATTRIBUTES = ("property", "name", "itemprop", "http-equiv")


_ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "technarticle", "techarticle", "scholarlyarticle", "report", "socialmediaposting", "liveblogposting", "posting",
    "backgroundnewsarticle", "reviewnewsarticle", "review", "howto", "recipe", "qapage", "discussionforumposting",
}
_PAGE_TYPES = {"webpage", "itempage", "aboutpage", "faqpage", "medicalwebpage", "profilepage"}


def _json_ld_facts(scripts: list[LexborNode]) -> dict[str, str]:
    """headline/name, publisher, date from the article (or web page) object of the page's JSON-LD scripts."""
    if not scripts:
        return {}
    items = []
    for script in scripts:
        items.extend(_json_ld_items(script.text(deep=True)))
    by_id = {item.get("@id"): item for item in items if isinstance(item.get("@id"), str)}
    article = next((item for item in items if _ld_types(item) & _ARTICLE_TYPES), None)
    page = next((item for item in items if _ld_types(item) & _PAGE_TYPES), None)
    website = next((item for item in items if "website" in _ld_types(item)), None)
    facts: dict[str, str] = {}
    for source, prefix in ((article, "article"), (page, "page")):
        if source is None:
            continue
        facts.setdefault(f"{prefix}_headline", _ld_text(source.get("headline")) or _ld_text(source.get("name")))
        facts.setdefault(f"{prefix}_name", _ld_text(source.get("name")))
        publisher = source.get("publisher")
        if isinstance(publisher, list) and publisher:
            publisher = publisher[0]
        if isinstance(publisher, dict) and "name" not in publisher:
            publisher = by_id.get(publisher.get("@id"), publisher)
        if isinstance(publisher, dict):
            facts.setdefault("publisher", _ld_text(publisher.get("name")))
        facts.setdefault("published", _ld_text(source.get("datePublished")) or _ld_text(source.get("dateCreated")))
    if website is not None:
        facts["website"] = _ld_text(website.get("name"))
    return {key: value for key, value in facts.items() if value}


def _json_ld_items(raw: str) -> list[dict]:
    raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
    try:
        data = json.loads(raw)
    except ValueError:
        try:  # raw control characters inside strings are the commonest fault in hand-written JSON-LD
            data = json.loads(raw, strict=False)
        except ValueError:
            return []
    items: list[dict] = []
    _flatten_ld(data, items, depth=0)
    return items


def _flatten_ld(data, items: list[dict], depth: int) -> None:
    if depth > 4:
        return
    if isinstance(data, list):
        for element in data:
            _flatten_ld(element, items, depth + 1)
    elif isinstance(data, dict):
        items.append(data)
        if "@graph" in data:
            _flatten_ld(data["@graph"], items, depth + 1)
        if isinstance(data.get("mainEntity"), (dict, list)):
            _flatten_ld(data["mainEntity"], items, depth + 1)


def _ld_types(item: dict) -> set[str]:
    value = item.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)}


def _ld_text(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if isinstance(value, str):
        return _clean_inline(_unescape_entities(value)) or None
    return None


def _unescape_entities(value: str) -> str:
    """Some CMSs HTML-escape the strings inside their JSON-LD ("&amp;", "&#8217;")."""
    return html.unescape(value) if "&" in value else value


_OTHER_TITLE_META = ("dc.title", "dc:title", "dcterms.title", "parsely-title", "sailthru.title")


def _title_candidates(
    meta: dict[str, str], json_ld: dict[str, str], h1: str | None, html_title: str | None
) -> tuple[str, ...]:
    """Every title the page gives, metadata before markup; the first one another source corroborates goes first.
    `html_title` is `_html_title(tree)` (the caller needs it too: read once)."""
    # Bibliographic metadata (Dublin Core, Parse.ly) names the document itself; og:title is often a social teaser.
    sourced = [
        *(("meta", meta.get(key)) for key in _OTHER_TITLE_META),
        ("social", meta.get("og:title")),
        ("social", meta.get("twitter:title")),
        ("json-ld", json_ld.get("article_headline")),
        ("json-ld", json_ld.get("article_name")),
        ("json-ld", json_ld.get("page_headline")),
        ("title", html_title),
        ("h1", h1),
    ]
    unique: list[tuple[str, str]] = []
    seen: set[str] = set()
    for source, title in sourced:
        if not title:  # most are absent: _clean_inline of nothing is "" (skipped below), no call needed
            continue
        title = _clean_inline(title)
        if title and len(title) <= 1000 and title not in seen:
            seen.add(title)
            unique.append((source, title))
    titles = [title for _, title in unique]
    best = _corroborated(unique)
    if best:
        titles.remove(best)
        titles.insert(0, best)
    return tuple(titles)


def _corroborated(sourced: list[tuple[str, str]]) -> str | None:
    """The first title that shares most of its words with a title from another kind of source.

    A metadata title that nothing else on the page repeats is a social-media teaser or a description
    (Wikipedia's JSON-LD headline is "Wikimedia list article"); the <title>/<h1> pair then wins.
    og:title and twitter:title are one kind: one is usually copied from the other.
    """
    words: list[set[str] | None] = [None] * len(sourced)  # each title's words, made when first compared
    for index, (source, title) in enumerate(sourced):
        for other_index, (other_source, other_title) in enumerate(sourced):
            if other_source == source:
                continue
            own = words[index]
            if own is None:
                own = words[index] = _title_words(title)
            other = words[other_index]
            if other is None:
                other = words[other_index] = _title_words(other_title)
            if _overlap(own, other) >= 0.6:
                return title
    return None


_TITLE_WORD = re.compile(r"[^\W_]+", re.ASCII)
_ASCII_NON_ALNUM = bytes(code for code in range(128) if not chr(code).isalnum())
_ASCII_NON_ALNUM_TO_SPACE = bytes.maketrans(_ASCII_NON_ALNUM, b" " * len(_ASCII_NON_ALNUM))
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _title_words(title: str) -> set[str]:
    """Latin words, and single characters for Japanese/Chinese/Korean (which have no spaces between words)."""
    if title.isascii():
        # NFKC leaves ASCII as it is, casefold() is lower(), and _TITLE_WORD's words are the runs of ASCII letters and
        # digits: every other byte made a space and split() finds them (a fifth of the regex's time on a headline).
        return set(title.lower().encode().translate(_ASCII_NON_ALNUM_TO_SPACE).decode().split())
    text = unicodedata.normalize("NFKC", title).casefold()
    words = set(_TITLE_WORD.findall(text))
    if not text.isascii():  # an ASCII title has no CJK character to look for
        words.update(_CJK_CHAR.findall(text))
    return words


def _overlap(shorter_or_any: set[str], other: set[str]) -> float:
    """Share of the smaller set found in the larger: "Headline" vs "Headline | Site" overlaps fully."""
    small, large = (shorter_or_any, other) if len(shorter_or_any) <= len(other) else (other, shorter_or_any)
    return len(small & large) / len(small) if small else 0.0


def _html_title(tree: LexborHTMLParser) -> str | None:
    titles = tree.tags("title")
    if not titles:
        return None
    # The first <title> that is a child of <head>, else the first anywhere (the selectors "head > title", "title").
    node = next((title for title in titles if _parent_tag(title) == "head"), titles[0])
    # An SVG <title> is an image label, not the page's title.
    if _parent_tag(node) == "svg":
        return None
    return node.text(deep=True)


def _parent_tag(node: LexborNode) -> str | None:
    parent = node.parent
    return parent.tag if parent is not None else None


MAX_HEADINGS = 5  # <h1>s read: a site's logo, the article's headline, a few widget headings


def _h1_texts(tree: LexborHTMLParser) -> list[str]:
    """The page's first <h1>s' texts, in document order (white space collapsed)."""
    return [_heading_text(node) for node in tree.tags("h1")[:MAX_HEADINGS]]


def _h2_texts(tree: LexborHTMLParser) -> list[str]:
    """The page's first <h2>s' texts (read only when no title names the article)."""
    return [_heading_text(node) for node in tree.tags("h2")[:MAX_HEADINGS]]


# A heading's permalink anchor (Sphinx's "¶", "#", "§", a link emoji) is no part of its text.
_PERMALINK_CHARACTERS = "¶§#🔗"
_PERMALINK_MARKS = re.compile(f"^(?:[{_PERMALINK_CHARACTERS}]\\s*)+|(?:\\s*[{_PERMALINK_CHARACTERS}])+$")


def _heading_text(node: LexborNode) -> str:
    """A heading's text, white space collapsed, without permalink marks at its ends."""
    text = _clean_inline(node.text(deep=True, separator=" "))
    # Every match holds a mark: a heading without one (almost all) is not run through the regex, which tries its
    # second branch at every position (a few µs on a headline).
    for mark in _PERMALINK_CHARACTERS:
        if mark in text:
            return _PERMALINK_MARKS.sub("", text)
    return text


_HOME_PATHS = frozenset(("", "/", "/index.html", "/index.htm", "/index.php", "/index.shtml", "/default.aspx"))
_HOME_HREFS = frozenset(("/", "./", "index.html", "index.htm", "index.php", *_HOME_PATHS)) - {""}


def _home_link_names(tree: LexborHTMLParser, url: str) -> list[str]:
    """What the page calls its site: the text (or image alt) of its links to the home page ("BUZZAP！", "てくろぐ").

    Links are told by their href's text alone (no URL parsing per link: a page has hundreds of them).
    """
    host = _bare_host(url)
    names: list[str] = []
    for node in tree.tags("a"):
        href = node.attributes.get("href")
        if not href or not _is_home_href(href.strip(), host):
            continue
        text = _clean_inline(node.text(deep=True, separator=" "))
        for value in (text, *(_clean_inline(img.attributes.get("alt")) for img in node.css("img")),
                      _clean_inline(node.attributes.get("title"))):
            if value and len(value) <= 60 and value not in names:
                names.append(value)
        if len(names) >= 12:
            break
    return names


def _bare_host(url: str) -> str:
    rest = url.split("//", 1)[1] if "//" in url else ""
    return rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1].lower().removeprefix("www.")


def _is_home_href(href: str, host: str) -> bool:
    if href in _HOME_HREFS:
        return True
    if not href.startswith(("http://", "https://", "//")) or not host:
        return False
    rest = href.split("//", 1)[1]
    link_host, slash, path = rest.partition("/")
    return link_host.lower().removeprefix("www.") == host and (slash + path) in _HOME_PATHS


def _canonical_url(elements: _Landmarks, url: str) -> str | None:
    # The first link[rel~="canonical" i]; the link[rel="canonical"] this once fell back to is a subset of it.
    node = elements.canonical_links[0] if elements.canonical_links else None
    href = (node.attributes.get("href") or "").strip() if node is not None else ""
    if not href:
        return None
    base = elements.bases[0] if elements.bases else None
    base_url = (join(url, base.attributes.get("href") or "") or url) if base is not None else url
    return join(base_url, href)


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def _language(tree: LexborHTMLParser, meta: dict[str, str]) -> str | None:
    html_node = tree.root  # the document element: the parser always makes it <html>
    if html_node is None or html_node.tag != "html":
        html_node = tree.css_first("html")
    attributes = html_node.attributes if html_node is not None else {}  # a new dict each time it is asked for
    candidates = (
        attributes.get("lang"),
        attributes.get("xml:lang"),
        meta.get("og:locale"),
        meta.get("content-language"),
        meta.get("language"),
    )
    for value in candidates:
        value = (value or "").strip().split(",")[0].strip().replace("_", "-")
        if _LANGUAGE_TAG.fullmatch(value):
            return value
    return None


_DATE_META_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate", "publish-date",
    "date", "dc.date.issued", "dc.date", "dcterms.created", "dcterms.date", "sailthru.date", "parsely-pub-date",
    "citation_publication_date", "citation_date", "article.published", "published-date", "cxenseparse:recs:publishtime",
)
# Every <meta> key the reader reads, what _collect_meta keeps: a key the reader newly asks the meta dict for goes here.
_META_KEYS_READ = frozenset((
    "og:site_name", "application-name", "apple-mobile-web-app-title", "twitter:site",  # the site's name
    *_OTHER_TITLE_META, "og:title", "twitter:title",  # titles
    "og:locale", "content-language", "language",  # the language
    *_DATE_META_KEYS,  # the date
))
_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_JA_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_COMPACT_DATE = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?:T|\d{2}|$)")


def _published(elements: _Landmarks, meta: dict[str, str], json_ld: dict[str, str]) -> str | None:
    """The article's publication date as YYYY-MM-DD (date precision is what references cite)."""
    for raw in _date_values(elements, meta, json_ld):
        date = normalise_date(raw)
        if date:
            return date
    return None


def _date_values(elements: _Landmarks, meta: dict[str, str], json_ld: dict[str, str]):
    """The places a date may be given, best first; read one by one (the first is usually the date)."""
    for key in _DATE_META_KEYS[:3]:
        yield meta.get(key)
    yield json_ld.get("published")
    for key in _DATE_META_KEYS[3:]:
        yield meta.get(key)
    for node in elements.times[:3]:
        yield node.attributes.get("datetime")


@functools.lru_cache(maxsize=4096)  # pure; a site's pages share their dates (and their date formats)
def normalise_date(raw: str | None) -> str | None:
    """'2020-02-15T09:00:00+09:00', '2020/2/15', '2020年2月15日', '20200215' → '2020-02-15' (None if not a date)."""
    if not raw:
        return None
    raw = unicodedata.normalize("NFKC", raw)
    match = _ISO_DATE.search(raw) or _JA_DATE.search(raw) or _COMPACT_DATE.search(raw)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not (1990 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


# ---------------------------------------------------------------------------------------------------------------
# Soft-404 signals and challenge pages
# ---------------------------------------------------------------------------------------------------------------

_NOT_FOUND_JAPANESE = (
    "ページが見つかりません|ページは見つかりません|お探しのページ|指定されたページ|ページは存在しません|ページが存在しません"
    "|削除された可能性|移動または削除|見つかりませんでした|アクセスしようとしたページ|ページを表示できません"
)
_NOT_FOUND_LATIN_PHRASES = (  # regex fragments, each starting with a plain letter or digit
    "page not found", "page cannot be found", "page could not be found", "page can't be found", "page can’t be found",
    "not be found", "doesn't exist", "doesn’t exist", "does not exist", "no longer available", "no longer exists",
    "page you(?: are| were|’re|'re) looking for", "page you requested", "we can't find", "we can’t find",
    "we couldn't find", "nothing was found", "error 404", "404 error", "404 not found", "file not found",
)
_NOT_FOUND_LATIN = "|".join(_NOT_FOUND_LATIN_PHRASES)
# Matched against lower-cased text without re.I (an alternation this long under re.I costs ~1 ms per page). Every
# phrase holds one of the hint words, so where none occurs (almost every real page) the regex is not run at all.
_NOT_FOUND_PHRASES = re.compile(f"{_NOT_FOUND_JAPANESE}|{_NOT_FOUND_LATIN}")
_LATIN_HINTS = "found|exist|available|looking|requested|find|404"
_NOT_FOUND_HINTS = _Words(f"ページ|削除|見つかりません|{_LATIN_HINTS}")
_TITLE_404 = re.compile(r"(?<![\d.,/])404(?![\d.,/])|\bnot found\b|\berror\b|エラー")
_TITLE_404_HINTS = _Words("404|not found|error|エラー")  # each branch of _TITLE_404 holds one: no hint, no match
_SOFT_404_HINTS = _Words("|".join(dict.fromkeys(_NOT_FOUND_HINTS.words + _TITLE_404_HINTS.words)))  # either list's


def _soft_404_signals(candidates: tuple[str, ...], h1: str | None, main_text: str) -> tuple[str, ...]:
    """Phrases that say "not found" in the title, the h1 or the start of the text. Signals only: rules decide."""
    places = [("title", title) for title in candidates[:3]] + [("h1", h1 or ""), ("body", main_text[:600])]
    # One look at all the places at once finds no hint on almost every page: a hint in a place is a hint in the
    # places joined by a line break, which no hint holds (so none is made where two places meet).
    if not _SOFT_404_HINTS.found_in("\n".join(text for _, text in places).lower()):
        return ()
    signals: list[str] = []
    for place, text in places:
        lowered = text.lower()
        if _NOT_FOUND_HINTS.found_in(lowered):
            signals.extend(f"{place}: {match.group(0)}" for match in _NOT_FOUND_PHRASES.finditer(lowered))
        if place != "body" and _TITLE_404_HINTS.found_in(lowered):
            signals.extend(f"{place}: {match.group(0)}" for match in _TITLE_404.finditer(lowered))
    return tuple(dict.fromkeys(signals))


# The same phrases found cheaply in the whole body's text, when the main text is not extracted: the Japanese ones as
# they are (they hold no space), the others near one of their words, with any run of the spaces that the main text
# collapses into one (" ", _OTHER_SPACES, line breaks) standing for each space. UTF-8 bytes lower-case only ASCII, fast.
_LATIN_HINT_BYTES = tuple(word.encode() for word in _LATIN_HINTS.split("|"))
_SPACES_BYTES = rb"(?:[ \t\n\r\f\v]|\xc2\xa0|\xe3\x80\x80|\xe2\x80\x8b)+"  # UTF-8 of " ", \n and _OTHER_SPACES


def _grouped_by_first_character(phrases: tuple[str, ...]) -> str:
    """The same alternation with phrases sharing a first character under it: "p(?:age not found|age you…)|n(?:…)".

    It matches the same strings, and the regex engine tries a group's phrases only where their first character is, not
    every phrase at every candidate position: a third less time per window. (Only whether it matches is used.)
    """
    groups: dict[str, list[str]] = {}
    for phrase in phrases:
        groups.setdefault(phrase[0], []).append(phrase[1:])
    return "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in groups.items())


_NOT_FOUND_SPACED = re.compile(
    _grouped_by_first_character(_NOT_FOUND_LATIN_PHRASES).encode().replace(b" ", _SPACES_BYTES)
)
_NEAR = 300  # bytes either side of an anchor word that a phrase (with its spaces) fits in


def _japanese_phrase_groups(anchors: tuple[str, ...]) -> tuple[tuple[bytes | None, tuple[bytes, ...]], ...]:
    """The Japanese phrases under each anchor word they hold, so that a page without the anchor skips them all.

    A phrase is listed under every anchor it holds; one that holds none is under None (always looked for).
    """
    phrases = _NOT_FOUND_JAPANESE.split("|")
    groups = [(anchor.encode(), tuple(p.encode() for p in phrases if anchor in p)) for anchor in anchors]
    unanchored = tuple(p.encode() for p in phrases if not any(anchor in p for anchor in anchors))
    return tuple(groups) + (((None, unanchored),) if unanchored else ())


_JAPANESE_PHRASE_GROUPS = _japanese_phrase_groups(("ページ", "削除", "見つかりません"))
# Every phrase holds kana, whose UTF-8 starts with this byte; a one-byte search (memchr) is many times faster than a
# phrase's, and text with no kana at all (an English page with curly quotes) is common. None if a phrase had no kana.
_KANA_LEAD_BYTE = b"\xe3" if all(b"\xe3" in p for _, group in _JAPANESE_PHRASE_GROUPS for p in group) else None


def _body_may_say_not_found(tree: LexborHTMLParser) -> bool:
    """Whether the start of the main text could hold a "not found" phrase: some text of the body holds one."""
    body = tree.body
    if body is None:
        return False
    text = body.text(deep=True)
    lowered = text.encode("utf-8", "replace").lower()
    # The Japanese phrases are all non-ASCII: an ASCII text (str.isascii is a flag, not a scan) holds none.
    if not text.isascii() and _holds_japanese_phrase(lowered):
        return True
    anchors = _anchor_positions(lowered)
    if not anchors:
        return False
    # The question is whether the window around some anchor holds a match. Windows overlap (a long page says "find"
    # and "available" often): each stretch of overlapping windows is searched once, as one span. A match inside a
    # window is a match inside its span (the pattern has no anchors or lookarounds), so no match in any span is "no"
    # (the usual answer). A match found in a span that lies inside one window is "yes"; one that does not (a phrase
    # whose spaces run longer than a window) leaves the windows to be searched one by one.
    anchors.sort()
    for start, end in _spans_of_windows(anchors, len(lowered)):
        match = _NOT_FOUND_SPACED.search(lowered, start, end)
        if match is not None:
            break
    else:
        return False
    if _inside_a_window(match.start(), match.end(), anchors):
        return True
    for at in anchors:
        if _NOT_FOUND_SPACED.search(lowered, max(0, at - _NEAR), at + _NEAR):
            return True
    return False


def _spans_of_windows(anchors: list[int], length: int) -> list[tuple[int, int]]:
    """The windows [at - _NEAR, at + _NEAR) around the sorted `anchors`, overlapping ones merged, within the text."""
    spans: list[tuple[int, int]] = []
    start, end = max(0, anchors[0] - _NEAR), anchors[0] + _NEAR
    for at in anchors[1:]:
        if at - _NEAR > end:
            spans.append((start, min(end, length)))
            start = at - _NEAR
        end = at + _NEAR
    spans.append((start, min(end, length)))
    return spans


def _inside_a_window(start: int, end: int, anchors: list[int]) -> bool:
    """Whether [start, end) lies inside the window of one of the sorted `anchors`."""
    first = bisect.bisect_left(anchors, end - _NEAR)  # the earliest anchor whose window reaches `end`
    return first < len(anchors) and anchors[first] - _NEAR <= start


def _anchor_positions(lowered: bytes) -> list[int]:
    """Where each "not found" hint word occurs in the lower-cased text (each word's places in order, words in turn)."""
    positions: list[int] = []
    for word, rare, offset in _HINT_SEARCHES:
        start = 0 if rare is None else _places_by_rare_byte(lowered, word, rare, offset, positions)
        at = lowered.find(word, start) if start != -1 else -1
        while at != -1:
            positions.append(at)
            at = lowered.find(word, at + 1)
    return positions


# Bytes that prose seldom holds ("q" of "requested", "x" of "exist", "4" of "404"). A one-byte search is a memchr,
# several times cheaper than a word's search (whose skip table the common letters of a word defeat): where such a
# byte is rare in the text, the word is looked for only where the byte stands.
_RARE_TEXT_BYTES = (b"q", b"4", b"x")
_HINT_SEARCHES = tuple(
    next(((word, rare, word.index(rare)) for rare in _RARE_TEXT_BYTES if rare in word), (word, None, 0))
    for word in _LATIN_HINT_BYTES
)


def _places_by_rare_byte(lowered: bytes, word: bytes, rare: bytes, offset: int, positions: list[int]) -> int:
    """Append where `word` (holding `rare` at `offset`) starts, trying each place of `rare`; -1 when all are found,
    else (where the byte turns out common) the place from which the word's own search must take over."""
    at = lowered.find(rare, offset)  # a byte before `offset` cannot be the word's
    places = 0
    while at != -1:
        places += 1
        # A place costs ~0.2 µs, the word's search ~0.6 ns a byte: past a few places, more than one per 512 bytes
        # read so far is a text where the search is cheaper.
        if places > 8 + (at >> 9):
            return at - offset  # every start before this one was tried (a start is a place of `rare` minus offset)
        if lowered.startswith(word, at - offset):
            positions.append(at - offset)
        at = lowered.find(rare, at + 1)
    return -1


def _holds_japanese_phrase(lowered: bytes) -> bool:
    if _KANA_LEAD_BYTE is not None and _KANA_LEAD_BYTE not in lowered:
        return False
    for anchor, phrases in _JAPANESE_PHRASE_GROUPS:
        if anchor is None or anchor in lowered:
            for phrase in phrases:
                if phrase in lowered:
                    return True
    return False


_CHALLENGE_TITLES = re.compile(
    r"^(just a moment|attention required|please wait|checking your browser|one more step|ddos-guard|ddos protection"
    r"|access denied|security check|verifying you are human|are you a robot|human verification|captcha"
    r"|しばらくお待ちください|アクセスが集中)",
    re.I,
)
# The challenge scripts' own markers, looked for as plain substrings of the page's UTF-8 bytes lower-cased (bytes
# lower-case only ASCII, several times faster than str.lower on a page with any non-ASCII character; the markers are
# ASCII, and UTF-8 puts no ASCII byte inside a multi-byte character). "_cf_chl_opt" is found by "cf_chl_".
_CHALLENGE_MARKUP = tuple(
    marker.encode()
    for marker in (
        "cf-chl-", "cf_chl_", "challenge-platform/h/", "cf-browser-verification",
        "checking your browser before accessing", "ddos protection by", "enable javascript and cookies to continue", "verify you are human", "cf-turnstile",
        "geo.captcha-delivery.com", "_incapsula_resource", "px-captcha",
    )
)


def _grouped_markers(markers: tuple[bytes, ...], keys: tuple[bytes, ...]):
    """(markers looked for alone, (key, markers holding key) per key): one search for the key finds every marker of its
    group, each checked where the key stands in it. A key shared by several short markers costs one scan of the page
    instead of several (a short needle's search costs about as much as a long one's)."""
    groups = []
    alone = list(markers)
    for key in keys:
        groups.append((key, tuple((marker, marker.index(key)) for marker in alone if key in marker)))
        alone = [marker for marker in alone if key not in marker]
    return tuple(alone), tuple(groups)


def _searched_for_markers(lowered: bytes) -> bool:
    """Whether any marker but the phrases is in `lowered`: a marker at p puts its group's key at p + its offset, and
    every place the key stands is tried."""
    for marker in _CHALLENGE_ALONE:  # a plain loop: a generator inside any() costs more than some of the searches
        if marker in lowered:
            return True
    for key, group in _CHALLENGE_GROUPS:
        at = lowered.find(key)
        while at != -1:
            for marker, offset in group:
                if at >= offset and lowered.startswith(marker, at - offset):
                    return True
            at = lowered.find(key, at + 1)
    return False


# The same answer found from two single bytes: a one-byte search is a memchr, about twenty times cheaper than a
# marker's search (a sixth of a µs on an 8 KB page against 2-8 µs), and on a small page ("-" about ten times in 8 KB,
# "_" a few times) trying each place costs less than searching for each marker. Every marker but four phrases holds
# one of them; the phrases hold only common letters ("j" of "javascript" stands some 30 times in an 8 KB article:
# trying each place costs what the search does) and are searched for as they are.
_KEY_BYTES = (b"-", b"_")
# Places of one key tried before the page counts as key-dense and the marker searches answer (measured: 16 keeps
# simweb's pages on the keyed path and costs the corpora's small pages, "-" ~100 times each, nothing measurable).
_MAX_KEY_PLACES = 16


def _keyed_markers(markers: tuple[bytes, ...], keys: tuple[bytes, ...]):
    """(markers holding no key, (key, the markers' tails from the key, (marker, key offset) pairs) per key)."""
    alone = list(markers)
    groups = []
    for key in keys:
        group = tuple((marker, marker.index(key)) for marker in alone if key in marker)
        groups.append((key, tuple(marker[offset:] for marker, offset in group), group))
        alone = [marker for marker in alone if key not in marker]
    return tuple(alone), tuple(groups)


_PHRASE_MARKERS, _KEYED_GROUPS = _keyed_markers(_CHALLENGE_MARKUP, _KEY_BYTES)
# For a key-dense page, the markers other than the phrases by searches: "cf" is in the four Cloudflare markers,
# "captcha" in two others (measured: a sixth less time than a search for each).
_CHALLENGE_ALONE, _CHALLENGE_GROUPS = _grouped_markers(
    tuple(marker for marker in _CHALLENGE_MARKUP if marker not in _PHRASE_MARKERS), (b"cf", b"captcha"))


def _holds_challenge_marker(lowered: bytes) -> bool:
    """Whether any of _CHALLENGE_MARKUP is in `lowered`: the phrases searched for, the others found from their
    key bytes (on a page with many of one key, _searched_for_markers answers instead)."""
    for marker in _PHRASE_MARKERS:
        if marker in lowered:
            return True
    verdict = _found_from_keys(lowered)
    return _searched_for_markers(lowered) if verdict is None else verdict


def _found_from_keys(lowered: bytes) -> bool | None:
    """Whether a keyed marker is in `lowered`, or None when a key stands in more than _MAX_KEY_PLACES places.

    A marker at p puts its key at p + offset: at each place of the key one startswith() with every tail tells whether
    any marker may stand there, and only then are the markers themselves compared."""
    for key, tails, group in _KEYED_GROUPS:
        at = lowered.find(key)
        places = 0
        while at != -1:
            places += 1
            if places > _MAX_KEY_PLACES:
                return None
            if lowered.startswith(tails, at):
                for marker, offset in group:
                    if at >= offset and lowered.startswith(marker, at - offset):
                        return True
            at = lowered.find(key, at + 1)
    return False


def _challenge_from_markup(text: str, candidates: tuple[str, ...], utf8: bytes | None = None) -> str | None:
    """A bot challenge is a short page with a challenge title or the challenge's own script markers.

    `utf8`: the text's UTF-8 when the caller has it (the page's own bytes), so that it is not encoded again.
    """
    if len(text) > 300_000:
        return None  # challenges are small pages; a long page that embeds a challenge script is the real page
    title_says = any(_CHALLENGE_TITLES.search(title) for title in candidates[:3])
    if title_says and len(text) < 30_000:
        return "cloudflare"
    if not title_says and len(text) >= 60_000:
        return None  # markers alone count only on a small page: no need to look for them
    lowered = (utf8 if utf8 is not None else text.encode("utf-8", "replace")).lower()
    return "cloudflare" if _holds_challenge_marker(lowered) else None


_LOGIN_TITLE = re.compile(r"log\s?in|sign\s?in|ログイン|サインイン|会員登録|認証", re.I)


def _login_wall(has_password: bool, candidates: tuple[str, ...], main_text: str) -> str | None:
    """A password form standing in for the article: the form is there and there is little else to read."""
    if not has_password:
        return None
    text_length = len(main_text)
    login_title = any(_LOGIN_TITLE.search(title) for title in candidates[:3])
    if text_length < 600 or (login_title and text_length < 1500):
        return "login-wall"
    return None


# ---------------------------------------------------------------------------------------------------------------
# Main text: a readability-like scoring over selectolax nodes
# ---------------------------------------------------------------------------------------------------------------

_ALWAYS_REMOVED = (
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "button",
    "select", "textarea", "input", "nav", "aside", "footer", "dialog", "math", "video", "audio", "picture",
)
# Class/id words (Readability's lists, extended), tested on the lower-cased class and id; see _Words.
_UNLIKELY = _Words(
    "-ad-|adsense|advert|agegate|ai2html|banner|breadcrumb|combx|comment|community|cover-wrap|disqus"
    "|extra|footer|gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor"
    "|supplemental|pagination|pager|popup|share|sharing|newsletter|subscribe|recommend|ranking|promo|cookie|modal"
    "|outbrain|taboola|navbar|navigation|toolbar|signup|paywall|byline|author-bio|taglist|tag-list",
    bounded=r"\bads?\b|^ad-|\bnav\b|\btags\b",
)
_MAYBE = _Words("and|article|body|column|content|main|mathjax|shadow|entry|story|post-text|honbun|kiji")
_POSITIVE = _Words(
    "article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story|honbun|kiji|detail|newsbody|news-body"
)
_NEGATIVE = _Words(
    "-ad-|hidden|banner|combx|comment|com-|contact|foot|footnote|gdpr|masthead|media|meta|outbrain|promo"
    "|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget|caption|credit|byline",
    bounded=r"^hid$",
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_COMMAS = re.compile(r"[,，、。]")
_BLOCK_TAGS = frozenset(
    "p div section article main header footer aside nav ul ol li dl dt dd table thead tbody tfoot tr td th h1 h2 h3 "
    "h4 h5 h6 blockquote pre figure figcaption hr address center details summary fieldset caption".split()
)
_CONDITIONAL_TAGS = frozenset("div section ul ol table dl figure header center details form".split())
_SCORED_PARAGRAPHS = "p, pre, td, blockquote"
_DIV_LIKE = "div, section, article, main, font, center, dd, span"


def extract_main_text(tree: LexborHTMLParser, source: str | None = None, *, pristine: bool = False) -> str:
    """The article body as text, paragraphs separated by "\\n". Mutates the tree (boilerplate is removed).

    Like Readability, a pass that finds almost nothing is retried on a fresh parse of `source` without the
    class/id-based removal: a wrapper named "page-ad-margins" or "header-style-2" can hold the whole article.
    `pristine`: the tree is `source` as parsed, unchanged. Then a first pass whose class/id-based removal removed
    nothing worked on the very tree the retry would, and the retry (a parse and a pass) is not made: it would find the
    same text (a small page, a "not found" page, has few classes and ids, often none that this removal takes).
    """
    text, removed_unlikely = _main_text_pass(tree, strip_unlikely=True)
    if len(text) < _RETRY_BELOW and source is not None and (removed_unlikely or not pristine):
        retry, _ = _main_text_pass(LexborHTMLParser(source), strip_unlikely=False)
        if len(retry) > len(text):
            text = retry
    return text


_RETRY_BELOW = 500  # characters; Readability's charThreshold


def _main_text_pass(tree: LexborHTMLParser, strip_unlikely: bool) -> tuple[str, bool]:
    """The main text, and whether the class/id-based removal (`strip_unlikely`) removed any node."""
    body = tree.body
    if body is None:
        return "", False
    removed_unlikely = _remove_boilerplate(tree, strip_unlikely)
    blocks: list[str] = []
    for root in _content_roots(tree, body):
        _emit_blocks(root, blocks, depth=0)
    return _tidy_lines("".join(blocks))[:MAX_MAIN_TEXT], removed_unlikely


def _remove_boilerplate(tree: LexborHTMLParser, strip_unlikely: bool) -> bool:
    """Remove what is never article text; with `strip_unlikely` also what class, id or role says is not. Returns
    whether that last step removed any node."""
    tree.strip_tags(list(_ALWAYS_REMOVED))
    for node in tree.css("[hidden], [aria-hidden=true], [style*=none], [style*=hidden]"):
        if node.tag in ("html", "body"):
            continue
        style = node.attributes.get("style") or ""
        if "style" in node.attributes and not _HIDDEN_STYLE.search(style) and "hidden" not in node.attributes:
            if node.attributes.get("aria-hidden") != "true":
                continue
        node.remove()  # unlink, not destroy: later nodes of the same list may sit inside it
    if not strip_unlikely:
        return False
    removed = False
    for node in tree.css("[class], [id], [role]"):
        if node.tag in ("html", "body", "article", "main", "a", "p") or node.parent is None:
            continue
        attrs = node.attributes
        role = (attrs.get("role") or "").lower()
        if role in ("navigation", "complementary", "contentinfo", "banner", "dialog", "menu", "menubar", "alert"):
            node.remove()
            removed = True
            continue
        if _is_unlikely_hint(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"):
            node.remove()
            removed = True
    return removed


# Both caches are keyed on the attribute text: class names repeat many times within a page and across a site's pages.
@functools.lru_cache(maxsize=8192)
def _is_unlikely_hint(hints: str) -> bool:
    lowered = hints.lower()
    return _UNLIKELY.found_in(lowered) and not _MAYBE.found_in(lowered)


@functools.lru_cache(maxsize=8192)
def _hint_weight(value: str) -> int:
    lowered = value.lower()
    return (-25 if _NEGATIVE.found_in(lowered) else 0) + (25 if _POSITIVE.found_in(lowered) else 0)


def _class_weight(node: LexborNode) -> int:
    attrs = node.attributes
    return sum(_hint_weight(value) for value in (attrs.get("class"), attrs.get("id")) if value)


_TAG_BONUS = {"div": 5, "article": 10, "main": 5, "section": 3, "pre": 3, "td": 3, "blockquote": 3,
              "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3,
              "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5}


def _content_roots(tree: LexborHTMLParser, body: LexborNode) -> list[LexborNode]:
    """The node(s) holding the article: an explicit articleBody when substantial, else the best-scored container."""
    marked = _marked_article_bodies(tree)
    if marked:
        return marked[:3]
    scores: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}
    lineage: dict[int, tuple[str | None, LexborNode | None]] = {}
    for paragraph, text in _scored_paragraphs(body):
        _add_paragraph_score(paragraph, text, scores, nodes, lineage)
    if not scores:
        return [body]
    top = _pick_top_candidate(scores, nodes)
    return _with_related_siblings(top, scores, nodes)


def _marked_article_bodies(tree: LexborHTMLParser) -> list[LexborNode]:
    """The substantial [itemprop="articleBody"] elements, else the substantial [itemprop="articlebody"] ones.

    One query for both spellings (a query walks the whole tree); the value says which one an element matched, as
    lexbor compares itemprop values case-sensitively.
    """
    exact: list[LexborNode] = []
    lower: list[LexborNode] = []
    for node in tree.css('[itemprop="articleBody"], [itemprop="articlebody"]'):
        if len(node.text(deep=True, strip=True)) >= 250:
            (exact if node.attributes.get("itemprop") == "articleBody" else lower).append(node)
    return exact or lower


def _scored_paragraphs(body: LexborNode):
    for node in body.css(_SCORED_PARAGRAPHS):
        text = node.text(deep=True, strip=True)
        if len(text) >= 25:
            yield node, text
    # Text written straight into a <div> with <br>s (common on Japanese sites) is a paragraph too.
    for node in body.css(_DIV_LIKE):
        text = node.text(deep=False, strip=True)
        if len(text) >= 40:
            yield node, text


def _add_paragraph_score(
    paragraph: LexborNode,
    text: str,
    scores: dict[int, float],
    nodes: dict[int, LexborNode],
    lineage: dict[int, tuple[str | None, LexborNode | None]],
):
    """Add a paragraph's score to its container and four more ancestors.

    `lineage` remembers each ancestor's tag and parent by node: paragraphs share most ancestors, and asking lexbor
    for a parent makes a new node object each time.
    """
    score = 1 + len(_COMMAS.findall(text)) + min(len(text) / 100, 3)
    ancestor = paragraph.parent if paragraph.tag in ("p", "pre", "td", "blockquote") else paragraph
    level = 0
    while ancestor is not None and level < 5:
        key = ancestor.mem_id
        known = lineage.get(key)
        if known is None:
            known = lineage[key] = (ancestor.tag, ancestor.parent)
        tag, parent = known
        if tag in ("html", "#document"):
            break
        if key not in scores:
            scores[key] = _TAG_BONUS.get(tag, 0) + _class_weight(ancestor)
            nodes[key] = ancestor
        scores[key] += score if level == 0 else score / 2 if level == 1 else score / (level * 3)
        ancestor = parent
        level += 1


def _link_density(node: LexborNode, text_length: int | None = None, links: list[LexborNode] | None = None) -> float:
    """Share of the node's text inside its <a>s (`links`: the node's css("a") when the caller has it already)."""
    if text_length is None:
        text_length = len(node.text(deep=True, strip=True))
    if text_length == 0:
        return 0.0
    link_length = 0
    for link in node.css("a") if links is None else links:
        link_length += len(link.text(deep=True, strip=True))
    return min(1.0, link_length / text_length)


def _pick_top_candidate(scores: dict[int, float], nodes: dict[int, LexborNode]) -> LexborNode:
    ranked = sorted(scores, key=scores.get, reverse=True)[:12]
    link_lengths: dict[int, int] = {}  # the candidates nest, so most links are in several of them
    final = {key: scores[key] * (1 - _candidate_link_density(nodes[key], link_lengths)) for key in ranked}
    ordered = sorted(final, key=final.get, reverse=True)
    top_key = ordered[0]
    top = nodes[top_key]
    # Several strong candidates under one ancestor (an article split into sections): take the ancestor.
    # Readability asks for three; articles cut into two chunks around an ad slot are common enough to ask for one.
    alternatives = [nodes[key] for key in ordered[1:6] if final[key] >= 0.75 * final[top_key]]
    alternatives = [node for node in alternatives if not _is_inside(top, node) and not _is_inside(node, top)]
    if alternatives:
        ancestor = top.parent
        while ancestor is not None and ancestor.tag not in ("body", "html"):
            if any(_is_inside(node, ancestor) for node in alternatives):
                return ancestor
            ancestor = ancestor.parent
    return top


def _candidate_link_density(node: LexborNode, link_lengths: dict[int, int]) -> float:
    """_link_density(node), with each link's text length remembered by node in `link_lengths`."""
    text_length = len(node.text(deep=True, strip=True))
    if text_length == 0:
        return 0.0
    link_length = 0
    for link in node.css("a"):
        key = link.mem_id
        length = link_lengths.get(key)
        if length is None:
            length = link_lengths[key] = len(link.text(deep=True, strip=True))
        link_length += length
    return min(1.0, link_length / text_length)


def _is_inside(node: LexborNode, ancestor: LexborNode) -> bool:
    target = ancestor.mem_id
    current = node.parent
    while current is not None:
        if current.mem_id == target:
            return True
        current = current.parent
    return False


def _with_related_siblings(top: LexborNode, scores: dict[int, float], nodes: dict[int, LexborNode]) -> list[LexborNode]:
    parent = top.parent
    if parent is None or top.tag in ("body", "html"):
        return [top]
    top_score = scores.get(top.mem_id, 0)
    threshold = max(10.0, top_score * 0.2)
    top_class = top.attributes.get("class")
    chosen: list[LexborNode] = []
    for sibling in parent.iter():
        if sibling.mem_id == top.mem_id:
            chosen.append(sibling)
            continue
        bonus = top_score * 0.2 if top_class and sibling.attributes.get("class") == top_class else 0
        if sibling.mem_id in scores and scores[sibling.mem_id] + bonus >= threshold:
            chosen.append(sibling)
        elif sibling.tag == "p":
            text = sibling.text(deep=True, strip=True)
            density = _link_density(sibling, len(text))
            if (len(text) > 80 and density < 0.25) or (0 < len(text) <= 80 and density == 0 and text[-1:] in ".。"):
                chosen.append(sibling)
    return chosen


_SKIPPED_INSIDE_ARTICLE = frozenset(("figure", "figcaption", "h1", "img", "-comment"))
# Short pieces inside the article that are about it, not of it: captions, credits, bylines, dates, ad labels.
_META_HINTS = _Words(
    "caption|credit|byline|dateline|timestamp|published|updated|posted|author|advert|sponsor|copyright|related"
    "|newsletter|promo|share|social|disclaimer|subscribe|readmore|read-more|seealso|see-also|recommend"
)
_POSITIVE_BODY = _Words(
    "articlebody|article-body|postbody|post-body|entrycontent|entry-content|storybody|story-body"
    "|maincontent|main-content"
)


def _is_meta_piece(node: LexborNode) -> bool:
    attrs = node.attributes
    hints = attrs.get("class") or attrs.get("id")
    if not hints or not _is_meta_hint(hints):
        return False
    return len(node.text(deep=True, strip=True)) < 300


@functools.lru_cache(maxsize=8192)
def _is_meta_hint(hints: str) -> bool:
    lowered = hints.lower()
    return _META_HINTS.found_in(lowered) and not _POSITIVE_BODY.found_in(lowered)


def _emit_blocks(node: LexborNode, out: list[str], depth: int) -> None:
    """Write a subtree's text into `out`; block elements become line breaks, link lists and junk are dropped."""
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag in _SKIPPED_INSIDE_ARTICLE or (tag != "-text" and _is_meta_piece(child)):
            continue
        if tag == "-text":
            out.append((child.text_content or "").replace("\n", " "))  # source line breaks are spaces in HTML
        elif tag == "br":
            out.append("\n")
        elif tag == "pre":
            out.append("\n" + (child.text(deep=True) or "").replace("\n", "\u2028") + "\n")
        elif tag in _BLOCK_TAGS:
            if (tag in _CONDITIONAL_TAGS and _is_junk_container(child)) or _is_link_line(child, tag):
                continue
            out.append("\n")
            if depth < 200:
                _emit_blocks(child, out, depth + 1)
            out.append("\n")
        elif depth < 200:
            _emit_blocks(child, out, depth + 1)


_LINK_LINE_TAGS = frozenset("li p h2 h3 h4 h5 h6 dt dd".split())


def _is_link_line(node: LexborNode, tag: str) -> bool:
    """A short block that is nothing but a link: a "related stories" headline or "read more", not prose."""
    if tag not in _LINK_LINE_TAGS:
        return False
    links = node.css("a")  # what css_first("a") would also collect, and the link density needs
    if not links:
        return False
    text = node.text(deep=True, strip=True)
    return len(text) <= 150 and _link_density(node, len(text), links) >= 0.9


def _is_junk_container(node: LexborNode) -> bool:
    """Readability's conditional clean, simplified: link lists, short negative blocks, empty wrappers."""
    text = node.text(deep=True, strip=True)
    length = len(text)
    if length == 0:
        return True
    weight = _class_weight(node)
    if node.tag == "form" and length < 1000:
        return True  # a search box or newsletter sign-up; ASP.NET wraps whole pages in one <form>, which stays
    if len(_COMMAS.findall(text)) >= 10:
        return False
    density = _link_density(node, length)
    if node.tag in ("ul", "ol"):
        return density > 0.5
    if weight < 0 and length < 200:
        return True
    if weight < 25 and density > 0.5 and length < 2000:
        return True
    return weight >= 25 and density > 0.7


_OTHER_SPACES = "\t\r\f\v\u00a0\u3000\u200b"  # collapsed like " " inside a line
_SPACE_RUN = re.compile("  +")


def _tidy_lines(text: str) -> str:
    """Collapse spaces inside lines and drop empty lines; a <pre>'s own line breaks survive."""
    lines = (line.strip() for line in _collapse_spaces(text.replace("\u2028", "\n")).split("\n"))
    return "\n".join(line for line in lines if line)


def _collapse_spaces(text: str) -> str:
    """Every run of spaces (" " and _OTHER_SPACES) as one " ".

    In two steps because a regex that matches every space costs a match per word (~0.3 ms on a 5 KB article): the
    other spaces become " " (rare, found by a C scan), then only runs of two or more " " are matched.
    """
    for space in _OTHER_SPACES:
        if space in text:
            text = text.replace(space, " ")
    return _SPACE_RUN.sub(" ", text)
