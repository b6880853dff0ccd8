"""Derives the text/plain part of a mail from its HTML.

Mail clients that show text (and spam filters that compare both parts)
expect the same words; links keep their address so magic links still work.
It should read like a hand-written part: the brand line above the first
heading is left out, a table row reads `Label: value`, a button reads
`Text: URL`, and an address is printed once (a paragraph that only repeats
an address already printed, "copy and paste this link: URL", is dropped).

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
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = {"p", "div", "br", "tr", "table", "ul", "ol", "li", "hr", "section", "header",
           "footer", "blockquote"} | _HEADINGS
_STRUCTURE = {"table", "tr", "td", "th"} | _HEADINGS
_TAG = re.compile(r"<(/?)([a-zA-Z][^\s/>]*)([^>]*)>")
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_RAW_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style")}
_CHECK_EVERY = 1000
_BUTTON_CLASS = re.compile(r"(?:^|[\s_-])(?:button|btn)(?:$|[\s_-])", re.IGNORECASE)
# Marks in the chunks, resolved once the whole text is known (stripped from the input):
_REPEAT, _REPEAT_END = "\x01", "\x02"  # around an address already printed
_LABEL_SEP, _CELL_SEP = "\x03", "\x04"  # "Label: value" / "a | b | c"
_MARKS = re.compile("[\x01-\x04]")
_SPACES = re.compile(r"\s+")
_BRAND_MAX = 200  # characters: a longer first line is content, not a brand


class _Row:
    """A table row being read: where its cell separators are, and where its
    current cell started (as counts of visible texts and blocks)."""

    __slots__ = ("table", "separators", "cell")

    def __init__(self, table: int) -> None:
        self.table = table
        self.separators: list[int] = []
        self.cell: tuple[int, int] | None = None


class _TextExtractor:
    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.length = 0  # characters in chunks, so a link's label length is O(1)
        self.skip_depth = 0
        self.links: list[tuple[str, int, int, bool, bool]] = []
        self.hidden: list[str] = []  # open tags of a display:none subtree (preheaders)
        self.hidden_names: Counter[str] = Counter()
        self.visible = 0  # texts with a visible character so far
        self.blocks = 0  # line breaks so far
        self.line_has_text = False
        self.pending_link: tuple[int, str] | None = None  # a link alone on its line so far
        self.printed: set[str] = set()
        self.rows: list[_Row] = []
        self.tables = 0
        self.seen_heading = False

    def emit(self, text: str) -> None:
        self.chunks.append(text)
        self.length += len(text)

    def line_break(self) -> None:
        if self.pending_link is not None:
            self.settle_link(alone=True)
        self.chunks.append("\n")
        self.length += 1
        self.blocks += 1
        self.line_has_text = False

    def settle_link(self, alone: bool) -> None:
        """A link that had its line to itself reads as a button: `Text: URL`."""
        if self.pending_link is not None:
            index, href = self.pending_link
            self.pending_link = None
            if alone:
                self.chunks[index] = _LABEL_SEP + href

    def handle_starttag(self, tag: str, attrs: dict[str, str]) -> None:
        style = attrs.get("style")
        if self.hidden or (style and "display:none" in style.replace(" ", "").lower()):
            if tag not in _VOID:
                self.hidden.append(tag)
                self.hidden_names[tag] += 1
            return
        if tag in _SKIPPED:
            self.skip_depth += 1
            return
        if tag in _STRUCTURE:
            self.structure(tag)
        if tag in _BLOCKS:
            self.line_break()
            if tag == "li":
                self.emit("- ")
            elif tag == "hr":
                self.emit("----\n")
        elif tag == "a":
            button = bool(_BUTTON_CLASS.search(attrs.get("class", ""))
                          or attrs.get("role") == "button")
            self.links.append((attrs.get("href", ""), len(self.chunks), self.length,
                               not self.line_has_text, button))

    def structure(self, tag: str) -> None:
        """Headings, tables, rows and cells: where the brand line ends and labels join."""
        if tag == "table":
            self.tables += 1
        elif tag == "tr":
            self.end_rows(self.tables)  # an unclosed row ends where the next one starts
            self.rows.append(_Row(self.tables))
        elif tag in ("td", "th"):
            self.start_cell()
        elif not self.seen_heading:
            self.seen_heading = True
            self.drop_brand_line()

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
        elif tag == "tr":
            # a row of label and value cells keeps the next row on the next line
            if not self.end_rows(self.tables):
                self.line_break()
        elif tag in _BLOCKS:
            if tag == "table" and self.tables:
                self.end_rows(self.tables)
                self.tables -= 1
            self.line_break()
        elif tag == "a" and self.links:
            self.end_link(*self.links.pop())

    def handle_data(self, data: str) -> None:
        if self.skip_depth or self.hidden:
            return
        text = _SPACES.sub(" ", unescape(data))
        if text and text != " ":
            if self.pending_link is not None:
                self.settle_link(alone=False)
            self.visible += 1
            self.line_has_text = True
        self.chunks.append(text)
        self.length += len(text)

    def end_link(self, href: str, start: int, length_at_start: int, line_start: bool,
                 button: bool) -> None:
        if not href or href.startswith(("#", "mailto:")):
            return
        label_length = self.length - length_at_start
        # a label much longer than the address cannot equal it: skip building it
        label = ("".join(self.chunks[start:]).strip()
                 if label_length <= 2 * len(href) + 64 else "label")
        if href in self.printed:  # printed once: a repeat keeps its words only
            if label == href:
                self.chunks[start] = _REPEAT + self.chunks[start]
                self.emit(_REPEAT_END)
            return
        self.printed.add(href)
        if not label:
            self.emit(href)
        elif label != href:
            self.emit((_LABEL_SEP + href) if button else f" ({href})")
            if line_start and not button:
                self.pending_link = (len(self.chunks) - 1, href)

    def start_cell(self) -> None:
        """A cell after one holding only a line of text continues that line."""
        row = self.rows[-1] if self.rows and self.rows[-1].table == self.tables else None
        if row is None:
            return
        if row.cell is not None and self.visible > row.cell[0] and self.blocks == row.cell[1]:
            row.separators.append(len(self.chunks))
            self.emit(_LABEL_SEP)
        row.cell = (self.visible, self.blocks)

    def end_rows(self, table: int) -> bool:
        """Close the open rows of `table`; True when the last had several cells of text."""
        joined = False
        while self.rows and self.rows[-1].table >= table:
            row = self.rows.pop()
            if len(row.separators) > 1:  # more than label and value: a row of columns
                for index in row.separators:
                    self.chunks[index] = _CELL_SEP
            joined = bool(row.separators)
        return joined

    def drop_brand_line(self) -> None:
        """Text above the first heading that is one short line without punctuation
        is a header (the product's name, a logo's link): the text part leaves it out."""
        self.settle_link(alone=True)
        before = "".join(self.chunks).strip()
        if before and len(before) <= _BRAND_MAX and "\n" not in before \
                and not before.endswith((".", ",", ":", ";", "!", "?")):
            self.chunks[:] = [""] * len(self.chunks)
            self.printed.clear()


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



def _glued(text: str, mark: str, glue: str) -> str:
    """Each `mark` becomes `glue`, the spaces around it (and a label's own colon) dropped."""
    parts = text.split(mark)
    for index in range(len(parts) - 1):
        parts[index] = parts[index].rstrip(" ").removesuffix(glue.strip()).rstrip(" ")
        parts[index + 1] = parts[index + 1].lstrip(" ")
    return glue.join(parts)


def _without_repeats(paragraphs: list[str]) -> list[str]:
    """An address printed again is printed once: a paragraph that only leads to it
    ("copy and paste this link:") goes; anywhere else it stays as written."""
    kept: list[str] = []
    for paragraph in paragraphs:
        if _REPEAT in paragraph:
            lead = paragraph[:paragraph.rfind(_REPEAT)].rstrip()
            if paragraph.endswith(_REPEAT_END) and (not lead or lead.endswith(":")):
                if not lead and kept and kept[-1].endswith(":"):
                    kept.pop()
                continue
            paragraph = paragraph.replace(_REPEAT, "").replace(_REPEAT_END, "")
        kept.append(paragraph)
    return kept


def html_to_text(html: str) -> str:
    """Readable plain text: one paragraph per block, links as 'label (url)', or
    'Text: url' alone on their line; table rows as 'Label: value'.

    Refuses HTML over the render's output cap; time is linear in its length."""
    ensure_fits(len(html), "the HTML for the text part")
    parser = _TextExtractor()
    _feed(_MARKS.sub("", html), parser)  # no entity decodes to a mark
    parser.settle_link(alone=True)
    text = _glued(_glued("".join(parser.chunks), _LABEL_SEP, ": "), _CELL_SEP, " | ")
    lines = [line.strip() for line in text.splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return "\n\n".join(_without_repeats(text.split("\n\n"))) + "\n"
