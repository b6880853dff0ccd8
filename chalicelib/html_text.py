"""Derives the text/plain part of a mail from its HTML.

Mail clients that show text (and spam filters that compare both parts)
expect the same words; links keep their address so magic links still work.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIPPED = {"style", "script", "head", "title"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "source"}
_BLOCKS = {"p", "div", "br", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
           "ul", "ol", "li", "hr", "section", "header", "footer", "blockquote"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skip_depth = 0
        self.links: list[tuple[str, int]] = []
        self.hidden: list[str] = []  # open tags of a display:none subtree (preheaders)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        style = (dict(attrs).get("style") or "").replace(" ", "").lower()
        if self.hidden or "display:none" in style:
            if tag not in _VOID:
                self.hidden.append(tag)
            return
        if tag in _SKIPPED:
            self.skip_depth += 1
        elif tag in _BLOCKS:
            self.chunks.append("\n")
            if tag == "li":
                self.chunks.append("- ")
            if tag == "hr":
                self.chunks.append("----\n")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.chunks)))

    def handle_endtag(self, tag: str) -> None:
        if self.hidden:
            if tag in self.hidden:
                while self.hidden.pop() != tag:
                    pass
            return
        if tag in _SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCKS:
            self.chunks.append("\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.chunks[start:]).strip()
            if href and not href.startswith(("#", "mailto:")) and href != label:
                self.chunks.append(f" ({href})" if label else href)

    def handle_data(self, data: str) -> None:
        if not self.skip_depth and not self.hidden:
            self.chunks.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Readable plain text: one paragraph per block, links as 'label (url)'."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.chunks).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
