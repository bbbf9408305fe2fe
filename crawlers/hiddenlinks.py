"""Links a visitor cannot see (暗链), read from a page's HTML and its inline stylesheets.

A hidden link is found the way a browser would hide it: the page's ``<style>`` rules (parsed with
tinycss2, matched with cssselect through lxml) and inline ``style`` attributes are cascaded in
document order (``!important`` and inline styles winning), and each link to another host is
walked up to the root to find what hides it -- ``display:none``, ``visibility:hidden``, off-screen
positioning or text-indent, zero size with overflow hidden, ``font-size:0``, the same colour as the
background, opacity 0, a zero-height ``<marquee>``, the ``hidden`` attribute, or an inline script
that hides the element (``getElementById(..).style.display='none'``, jQuery ``.hide()``). A menu
shown on hover (a ``:hover`` rule or a mouse handler) is recorded as revealed, not as hidden.
Links written by a script are not in this HTML: the rendered page marks those (``data-gp-hidden``,
see :mod:`spiders.watchrender`) and :func:`hidden_links` reads the marks.

Stylesheets loaded from files are not fetched (a hiding rule injected into a page is inline in
practice); specificity is approximated by document order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tinycss2
from cssselect import GenericTranslator, SelectorError
from lxml import etree
from lxml.html import HtmlElement

from crawlers.links import absolute, host_key, page_base
from crawlers.watchmodels import HiddenLink

MAX_HIDDEN = 200
FAR = 500.0  # px: an element pushed this far off the page is off-screen
_PSEUDO_REVEAL = re.compile(r":(hover|focus|focus-within|active)\b")
_NUMBER = re.compile(r"^\s*(-?\d*\.?\d+)\s*(px|em|rem|pt|%|)?\s*$")
_SCRIPT_HIDE = (
    re.compile(
        r"getElementById\(\s*['\"]([\w\-]+)['\"]\s*\)\s*\.style\.(?:display\s*=\s*['\"]none|visibility\s*=\s*['\"]hidden)"
    ),
    re.compile(r"\$\(\s*['\"]#([\w\-]+)['\"]\s*\)\s*\.(?:hide\(|css\(\s*['\"]display['\"]\s*,\s*['\"]none)"),
)
_COLOURS = {
    "white": "#ffffff",
    "black": "#000000",
    "red": "#ff0000",
    "green": "#008000",
    "blue": "#0000ff",
    "yellow": "#ffff00",
    "gray": "#808080",
    "grey": "#808080",
    "silver": "#c0c0c0",
    "transparent": "",
}
_translator = GenericTranslator()


@dataclass
class Declared:
    value: str
    source: str  # "div.x { display: none }" / 'style="..."' / "<marquee height=0>"
    important: bool = False
    inline: bool = False


@dataclass
class Styles:
    """The cascaded declarations of every styled element, and the elements a hover rule reveals."""

    by_element: dict[HtmlElement, dict[str, Declared]] = field(default_factory=dict)
    revealed: set[HtmlElement] = field(default_factory=set)
    script_hidden: dict[HtmlElement, str] = field(default_factory=dict)

    def get(self, el: HtmlElement, name: str) -> Declared | None:
        return self.by_element.get(el, {}).get(name)

    def put(self, el: HtmlElement, name: str, new: Declared) -> None:
        current = self.by_element.setdefault(el, {}).get(name)
        if current is not None and current.important and not new.important:
            return
        if current is not None and current.inline and not new.important:
            return
        self.by_element[el][name] = new


def _declarations(tokens: str | list) -> list[tuple[str, str, bool]]:
    out = []
    for decl in tinycss2.parse_declaration_list(tokens, skip_comments=True, skip_whitespace=True):
        if decl.type == "declaration":
            out.append((decl.lower_name, tinycss2.serialize(decl.value).strip().lower(), decl.important))
    return out


def _rules(sheet: str) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """(selector text, declarations) of a stylesheet, @media blocks included."""
    found: list[tuple[str, list[tuple[str, str, bool]]]] = []
    todo = list(tinycss2.parse_stylesheet(sheet, skip_comments=True, skip_whitespace=True))
    while todo:
        rule = todo.pop(0)
        if rule.type == "qualified-rule":
            found.append((tinycss2.serialize(rule.prelude).strip(), _declarations(rule.content)))
        elif rule.type == "at-rule" and rule.lower_at_keyword == "media" and rule.content:
            todo[0:0] = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
    return found


def _select(root: HtmlElement, selector: str) -> list[HtmlElement]:
    try:
        return list(root.xpath(_translator.css_to_xpath(selector)))
    except (SelectorError, etree.XPathError, ValueError):
        return []  # a selector lxml cannot evaluate (::before, :nth-last-of-type(...)): ignored


def _shows(decls: list[tuple[str, str, bool]]) -> bool:
    return any(
        (n == "display" and v != "none") or (n == "visibility" and v == "visible") for n, v, _ in decls
    )


def cascade(root: HtmlElement) -> Styles:
    """The page's ``<style>`` rules and inline styles, applied to the elements they match."""
    styles = Styles()
    for style in root.iter("style"):
        for selectors, decls in _rules(style.text or ""):
            for selector in selectors.split(","):
                selector = selector.strip()
                if not selector:
                    continue
                if _PSEUDO_REVEAL.search(selector):
                    if _shows(decls):
                        styles.revealed.update(_select(root, _PSEUDO_REVEAL.sub("", selector)))
                    continue
                for el in _select(root, selector):
                    for name, value, important in decls:
                        source = f"{selector} {{ {name}: {value} }}"
                        styles.put(el, name, Declared(value, source, important))
    for el in root.iter():
        raw = el.get("style") if isinstance(el.tag, str) else None
        if raw:
            for name, value, important in _declarations(raw):
                styles.put(el, name, Declared(value, f'style="{raw.strip()[:200]}"', important, True))
    scripts = " ".join(s.text or "" for s in root.iter("script") if not s.get("src"))
    for pattern in _SCRIPT_HIDE:
        for match in pattern.finditer(scripts):
            for el in root.xpath("//*[@id=$ident]", ident=match.group(1)):
                styles.script_hidden[el] = match.group(0)[:200]
    return styles


def _px(value: str) -> float | None:
    """A length in pixels (em/rem/pt roughly), ``None`` when not a plain length."""
    match = _NUMBER.match(value.replace("!important", ""))
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2) or "px"
    return number * {"em": 16.0, "rem": 16.0, "pt": 1.333}.get(unit, 1.0) if unit != "%" else number


def colour(value: str) -> str:
    """A colour as ``#rrggbb`` ('' when unknown or transparent)."""
    value = value.strip().lower()
    for word in value.split():
        if word in _COLOURS:
            return _COLOURS[word]
        if re.fullmatch(r"#[0-9a-f]{3}", word):
            return "#" + "".join(c * 2 for c in word[1:])
        if re.fullmatch(r"#[0-9a-f]{6}", word):
            return word
    rgb = re.search(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([\d.]+))?", value)
    if rgb:
        if rgb.group(4) is not None and float(rgb.group(4)) == 0:
            return ""
        return "#" + "".join(f"{min(int(rgb.group(i)), 255):02x}" for i in (1, 2, 3))
    return ""


def describe(el: HtmlElement) -> str:
    """``tag#id.class``: how evidence names an element."""
    ident = el.get("id")
    classes = "".join(f".{c}" for c in (el.get("class") or "").split()[:3])
    return f"{el.tag!s}{'#' + ident if ident else ''}{classes}"


def _chain(el: HtmlElement) -> list[HtmlElement]:
    out = []
    node: HtmlElement | None = el
    while node is not None and isinstance(node.tag, str):
        out.append(node)
        node = node.getparent()
    return out


def _nearest(chain: list[HtmlElement], styles: Styles, *names: str) -> tuple[HtmlElement, Declared] | None:
    for node in chain:
        for name in names:
            found = styles.get(node, name)
            if found is not None:
                return node, found
    return None


def _colour_of(chain: list[HtmlElement], styles: Styles) -> tuple[str, str]:
    for node in chain:
        declared = styles.get(node, "color")
        if declared is not None:
            return colour(declared.value), declared.source
        if node.tag == "font" and node.get("color"):
            return colour(node.get("color") or ""), f'<font color="{node.get("color")}">'
    return "", ""


def _background_of(chain: list[HtmlElement], styles: Styles) -> tuple[str, str]:
    for node in chain:
        for name in ("background-color", "background"):
            declared = styles.get(node, name)
            if declared is not None and colour(declared.value):
                return colour(declared.value), declared.source
        if node.get("bgcolor") and colour(node.get("bgcolor") or ""):
            return colour(node.get("bgcolor") or ""), f'bgcolor="{node.get("bgcolor")}"'
    return "#ffffff", "(页面默认白色背景)"


def _hidden_by(el: HtmlElement, styles: Styles) -> tuple[str, str, HtmlElement] | None:
    """(technique, css, hiding element) for a link element, or None when a visitor sees it."""
    chain = _chain(el)
    for node in chain:
        if node.get("hidden") is not None:
            return "hidden_attr", "hidden", node
        if node in styles.script_hidden:
            return "script", styles.script_hidden[node], node
        display = styles.get(node, "display")
        if display is not None and display.value.startswith("none"):
            return "display_none", display.source, node
        opacity = styles.get(node, "opacity")
        if opacity is not None and _px(opacity.value) == 0:
            return "opacity", opacity.source, node
        if node.tag == "marquee":
            for name in ("height", "width"):
                size = styles.get(node, name)
                raw = size.value if size else node.get(name, "")
                if raw and (_px(raw) or 0) <= 1 and _px(raw) is not None:
                    return "marquee", size.source if size else f'<marquee {name}="{raw}">', node
        position = styles.get(node, "position")
        for name in ("left", "top", "margin-left", "margin-top", "text-indent"):
            shift = styles.get(node, name)
            moved = shift is not None and (_px(shift.value) or 0) <= -FAR
            if moved and shift and (name.startswith(("margin", "text")) or position is not None):
                return "offscreen", shift.source, node
        overflow = styles.get(node, "overflow")
        if overflow is not None and "hidden" in overflow.value:
            for name in ("height", "width", "max-height"):
                size = styles.get(node, name)
                if size is not None and _px(size.value) is not None and (_px(size.value) or 0) <= 1:
                    return "zero_size", f"{size.source}; {overflow.source}", node
    visibility = _nearest(chain, styles, "visibility")
    if visibility is not None and visibility[1].value in ("hidden", "collapse"):
        return "visibility", visibility[1].source, visibility[0]
    font = _nearest(chain, styles, "font-size")
    if font is not None and (_px(font[1].value) is not None and (_px(font[1].value) or 0) <= 1):
        return "font_size", font[1].source, font[0]
    fg, fg_source = _colour_of(chain, styles)
    if fg:
        bg, bg_source = _background_of(chain, styles)
        if fg == bg:
            return "same_colour", f"{fg_source}; {bg_source}", chain[0]
    return None


def _revealed(hider: HtmlElement, styles: Styles) -> str:
    if hider in styles.revealed:
        return "hover"
    for node in _chain(hider)[:4]:
        if any(node.get(a) for a in ("onmouseover", "onmouseenter", "onclick", "onfocus")):
            return "handler"
    return ""


def hidden_links(root: HtmlElement, page_url: str, *, rendered: bool = False) -> tuple[list[HiddenLink], int]:
    """Hidden links to other hosts, capped at :data:`MAX_HIDDEN` (the count cut is returned too).

    ``rendered``: the page came from Chromium with the watch's marks (``data-gp-hidden``): the
    browser's computed styles decide, and those marks are read instead of the stylesheets.
    """
    base = page_base(root, page_url)
    site = host_key(page_url)
    styles = Styles() if rendered else cascade(root)
    found: list[HiddenLink] = []
    cut = 0
    seen: set[str] = set()
    for el in root.iter("a", "area"):
        url = absolute(el.get("href"), base)
        if url is None or url in seen or host_key(url) == site:
            continue
        text = " ".join((el.text_content() or "").split())[:100]
        if rendered:
            technique = el.get("data-gp-hidden")
            if not technique:
                continue
            hit = (technique, el.get("data-gp-css") or "", el)
        else:
            hit = _hidden_by(el, styles)  # type: ignore[assignment]
            if hit is None:
                continue
        seen.add(url)
        if len(found) >= MAX_HIDDEN:
            cut += 1
            continue
        technique, css, hider = hit
        found.append(
            HiddenLink(
                url=url,
                text=text,
                technique=technique,
                css=css[:300],
                element=describe(hider),
                revealed_by=el.get("data-gp-revealed") or "" if rendered else _revealed(hider, styles),
            )
        )
    return found, cut
