"""Derives the text/plain part of a mail from its HTML.

Mail clients that show text (and spam filters that compare both parts)
expect the same words; links keep their address so magic links still work.

The HTML is the output of a (possibly hostile) template, so this runs in
linear time: a small tokenizer of its own (`html.parser` is quadratic on
repeated unclosed tags: 80,000 `<a` took 14 s), every per-tag step O(1)
amortised, and the render's deadline checked as it goes.
"""
from __future__ import annotations

import re
from collections import Counter
from html import unescape

from chalicelib.templating.sandbox import check_deadline, ensure_fits

_SKIPPED = {"style", "script", "head", "title"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "source"}
_BLOCKS = {"p", "div", "br", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
           "ul", "ol", "li", "hr", "section", "header", "footer", "blockquote"}
_TAG = re.compile(r"<(/?)([a-zA-Z][^\s/>]*)([^>]*)>")
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_RAW_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style")}
_CHECK_EVERY = 1000


class _TextExtractor:
    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.length = 0  # characters in chunks, so a link's label length is O(1)
        self.skip_depth = 0
        self.links: list[tuple[str, int, int]] = []
        self.hidden: list[str] = []  # open tags of a display:none subtree (preheaders)
        self.hidden_names: Counter[str] = Counter()

    def emit(self, text: str) -> None:
        self.chunks.append(text)
        self.length += len(text)

    def handle_starttag(self, tag: str, attrs: dict[str, str]) -> None:
        style = attrs.get("style", "").replace(" ", "").lower()
        if self.hidden or "display:none" in style:
            if tag not in _VOID:
                self.hidden.append(tag)
                self.hidden_names[tag] += 1
            return
        if tag in _SKIPPED:
            self.skip_depth += 1
        elif tag in _BLOCKS:
            self.emit("\n")
            if tag == "li":
                self.emit("- ")
            if tag == "hr":
                self.emit("----\n")
        elif tag == "a":
            self.links.append((attrs.get("href", ""), len(self.chunks), self.length))

    def handle_endtag(self, tag: str) -> None:
        if self.hidden:
            if self.hidden_names[tag]:
                while True:
                    closed = self.hidden.pop()
                    self.hidden_names[closed] -= 1
                    if closed == tag:
                        break
            return
        if tag in _SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCKS:
            self.emit("\n")
        elif tag == "a" and self.links:
            href, start, length_at_start = self.links.pop()
            if not href or href.startswith(("#", "mailto:")):
                return
            label_length = self.length - length_at_start
            # a label much longer than the address cannot equal it: skip building it
            label = ("".join(self.chunks[start:]).strip()
                     if label_length <= 2 * len(href) + 64 else "label")
            if href != label:
                self.emit(f" ({href})" if label else href)

    def handle_data(self, data: str) -> None:
        if not self.skip_depth and not self.hidden:
            self.emit(re.sub(r"\s+", " ", unescape(data)))


def _attributes(text: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR.finditer(text):
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attrs.setdefault(match.group(1).lower(), unescape(value))
    return attrs


def _feed(html: str, handler: _TextExtractor) -> None:
    """Tokenize `html` in one forward pass (every search starts where the last ended);
    a `<` that starts no tag stays in the text around it."""
    pos = text_from = steps = 0
    size, next_gt = len(html), -1
    while (lt := html.find("<", pos)) >= 0:
        steps += 1
        if steps % _CHECK_EVERY == 0:
            check_deadline()
        match = None
        if html.startswith("<!--", lt):
            end = html.find("-->", lt + 4)
            end = size if end < 0 else end + 3
        else:
            if next_gt < lt:
                next_gt = html.find(">", lt)
            if next_gt < 0:  # no tag can start here or later: the rest is text
                break
            match = _TAG.fullmatch(html, lt, next_gt + 1)
            if match is None and not html.startswith(("<!", "<?"), lt):
                pos = lt + 1
                continue
            end = next_gt + 1
        if lt > text_from:
            handler.handle_data(html[text_from:lt])
        pos = text_from = end
        if match is not None:
            pos = text_from = _tag(html, match, end, handler)
    if text_from < size:
        handler.handle_data(html[text_from:])


def _tag(html: str, match: re.Match[str], end: int, handler: _TextExtractor) -> int:
    """Handle one tag; returns where the text after it starts."""
    closing, tag, rest = match.group(1), match.group(2).lower(), match.group(3)
    if closing:
        handler.handle_endtag(tag)
        return end
    handler.handle_starttag(tag, _attributes(rest))
    if rest.rstrip().endswith("/"):
        handler.handle_endtag(tag)
    elif tag in _RAW_END:  # script/style content is not markup
        closed = _RAW_END[tag].search(html, end)
        end = len(html) if closed is None else closed.end()
        handler.handle_endtag(tag)
    return end


def html_to_text(html: str) -> str:
    """Readable plain text: one paragraph per block, links as 'label (url)'.

    Refuses HTML over the render's output cap; time is linear in its length."""
    ensure_fits(len(html), "the HTML for the text part")
    parser = _TextExtractor()
    _feed(html, parser)
    lines = [line.strip() for line in "".join(parser.chunks).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
