"""The security watch's Chromium pass: mark the links the browser does not show, take a screenshot.

Run in the page after it settled (scrapy-playwright page methods, before the page's HTML is read):
every ``<a href>`` the browser computes as invisible -- ``display:none`` or ``opacity:0`` up its
ancestors, ``visibility`` not visible, a font of 1px or less, a box pushed off the page, a box of
zero size or clipped by a zero-size ancestor with ``overflow:hidden``, a zero-height ``<marquee>``,
the same colour as the background behind it -- gets ``data-gp-hidden`` (the technique) and
``data-gp-css`` (the computed value and the element), and ``data-gp-revealed`` when a ``:hover`` rule
or a mouse handler shows it. :func:`crawlers.hiddenlinks.hidden_links` reads the marks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy_playwright.page import PageMethod

MARK_HIDDEN_LINKS = r"""
() => {
  const FAR = 500;
  const rgb = (c) => {
    const m = c && c.match(/rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?/);
    return m && (m[4] === undefined || parseFloat(m[4]) > 0) ? m.slice(1, 4).join(',') : null;
  };
  const background = (el) => {
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c) return c;
    }
    return '255,255,255';
  };
  const name = (n) => n.tagName.toLowerCase() + (n.id ? '#' + n.id : '') +
    (typeof n.className === 'string' && n.className.trim() ? '.' + n.className.trim().split(/\s+/).slice(0, 3).join('.') : '');
  const hoverRules = [];
  for (const sheet of Array.from(document.styleSheets)) {
    let rules = [];
    try { rules = Array.from(sheet.cssRules || []); } catch (e) { continue; }
    for (const r of rules) {
      if (r.selectorText && /:hover/.test(r.selectorText) && r.style && r.style.display && r.style.display !== 'none') {
        hoverRules.push(r.selectorText.replace(/:hover/g, ''));
      }
    }
  }
  const revealed = (n) => {
    for (let m = n, i = 0; m && m.nodeType === 1 && i < 4; m = m.parentElement, i++) {
      if (m.getAttribute('onmouseover') || m.getAttribute('onmouseenter') || m.getAttribute('onclick')) return 'handler';
    }
    for (const sel of hoverRules) { try { if (n.matches(sel)) return 'hover'; } catch (e) {} }
    return '';
  };
  let marked = 0;
  for (const a of Array.from(document.querySelectorAll('a[href], area[href]'))) {
    let why = '', css = '', who = a;
    for (let n = a; n && n.nodeType === 1 && !why; n = n.parentElement) {
      const s = getComputedStyle(n);
      const box = n.getBoundingClientRect();
      if (s.display === 'none') { why = 'display_none'; css = 'display: none'; who = n; }
      else if (parseFloat(s.opacity) === 0) { why = 'opacity'; css = 'opacity: 0'; who = n; }
      else if (n.tagName === 'MARQUEE' && (box.height <= 1 || box.width <= 1)) {
        why = 'marquee'; css = 'marquee ' + box.width + 'x' + box.height; who = n;
      } else if (n !== a && /hidden|clip/.test(s.overflow) && (box.height <= 1 || box.width <= 1)) {
        why = 'zero_size'; css = 'overflow: ' + s.overflow + '; ' + box.width + 'x' + box.height; who = n;
      }
    }
    if (!why) {
      const s = getComputedStyle(a);
      const box = a.getBoundingClientRect();
      const left = box.right + window.scrollX, top = box.bottom + window.scrollY;
      if (s.visibility !== 'visible') { why = 'visibility'; css = 'visibility: ' + s.visibility; }
      else if (parseFloat(s.fontSize) <= 1) { why = 'font_size'; css = 'font-size: ' + s.fontSize; }
      else if (left <= -FAR + box.width || top <= -FAR + box.height || box.left > document.documentElement.scrollWidth + FAR) {
        why = 'offscreen'; css = 'left ' + Math.round(box.left) + 'px, top ' + Math.round(box.top) + 'px';
      } else if (rgb(s.color) && rgb(s.color) === background(a)) {
        why = 'same_colour'; css = 'color rgb(' + rgb(s.color) + ') on rgb(' + background(a) + ')';
      }
    }
    if (why) {
      a.setAttribute('data-gp-hidden', why);
      a.setAttribute('data-gp-css', (css + ' @ ' + name(who)).slice(0, 300));
      const r = revealed(who);
      if (r) a.setAttribute('data-gp-revealed', r);
      marked++;
    }
  }
  return marked;
}
"""


def page_methods(timeout_ms: float, screenshot: Path) -> list[Any]:
    """Settle, mark hidden links, screenshot the viewport to ``screenshot`` (PNG)."""
    return [
        PageMethod("wait_for_load_state", "networkidle", timeout=timeout_ms),
        PageMethod("evaluate", MARK_HIDDEN_LINKS),
        PageMethod("screenshot", path=str(screenshot), type="png", full_page=False, timeout=timeout_ms),
    ]
