"""In-memory cache of compiled templates, keyed by pinned versions.

Template versions are immutable, so a compiled (name, version, layout
versions) entry never goes stale and lives as long as the Lambda container.
Only "which layout version is latest" is time-bounded (`layout_ttl_s`), so a
warm send costs one S3 HEAD (the template's latest version) and no GET; a
name's first use costs one GET (the latest content carries its version).
The layouts a stored version references are parsed out once, not per send.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Mapping

from chalicelib.errors import NotFound, TemplateInvalid
from chalicelib.messages.envelope import SMS
from chalicelib.templating.model import TemplateDoc
from chalicelib.templating.renderer import (
    MAX_LAYOUT_DEPTH,
    CompiledTemplate,
    RenderLimits,
    referenced_layouts,
)
from chalicelib.templating.store import TemplateStore

Layouts = dict[str, tuple[TemplateDoc, str]]


class TemplateCache:
    def __init__(self, store: TemplateStore, limits: RenderLimits, layout_ttl_s: float = 5.0,
                 max_entries: int = 256, clock: Callable[[], float] = time.monotonic,
                 brand: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.limits = limits
        self.brand = brand  # the stage's brand values, given to every compiled template
        self.layout_ttl_s = layout_ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self._lock = threading.Lock()
        self._compiled: OrderedDict[tuple, CompiledTemplate] = OrderedDict()
        self._docs: OrderedDict[tuple[str, str], TemplateDoc] = OrderedDict()
        self._references: dict[tuple[str, str], frozenset[str]] = {}
        self._layout_latest: dict[str, tuple[float, str]] = {}
        self._seen: set[str] = set()

    def latest(self, name: str) -> CompiledTemplate:
        """The newest version of `name`, compiled (one HEAD when warm, one GET when new)."""
        if name in self._seen:
            return self.pinned(name, self.store.head(name).version_id)
        return self.pinned(name, self._fetch_latest(name))

    def pinned(self, name: str, version: str,
               pins: Mapping[str, str] | None = None) -> CompiledTemplate:
        """`name` at `version`, with layouts at `pins` (or their latest when not pinned)."""
        doc = self._doc(name, version)
        layouts = self._layouts(doc, version, pins or {}, fresh=False)
        key = (name, version, tuple(sorted((n, v) for n, (_, v) in layouts.items())))
        with self._lock:
            cached = self._compiled.get(key)
            if cached is not None:
                self._compiled.move_to_end(key)
                return cached
        compiled = CompiledTemplate(doc, version, layouts, self.limits, self.brand)
        with self._lock:
            self._compiled[key] = compiled
            while len(self._compiled) > self.max_entries:
                self._compiled.popitem(last=False)
        return compiled

    def draft(self, doc: TemplateDoc) -> CompiledTemplate:
        """Compile an unsaved draft against the current layouts (never cached)."""
        return CompiledTemplate(doc, "draft", self._layouts(doc, None, {}, fresh=True),
                                self.limits, self.brand)

    def forget_latest(self, name: str) -> None:
        """A layout was just saved here: the next send must see it at once."""
        self._layout_latest.pop(name, None)

    def _layouts(self, doc: TemplateDoc, version: str | None, pins: Mapping[str, str],
                 fresh: bool, depth: int = 0) -> Layouts:
        """The layouts `doc` (stored at `version`; None for a draft) extends, recursively."""
        found: Layouts = {}
        referenced = self._referenced(doc, version)
        if referenced and doc.channel == SMS:
            raise TemplateInvalid("an SMS template cannot extend or include a layout "
                                  "(layouts are HTML)", field="text")
        for name in sorted(referenced):
            if depth >= MAX_LAYOUT_DEPTH:
                raise TemplateInvalid(f"layouts nest deeper than {MAX_LAYOUT_DEPTH}",
                                      field=f"layout:{name}")
            layout_version = pins.get(name) or self._latest_layout_version(name, fresh)
            layout = self._doc(name, layout_version)
            if layout.category != "layout":
                raise TemplateInvalid(f"{name!r} is not a layout (category must be layout)",
                                      field="html")
            found[name] = (layout, layout_version)
            found.update(self._layouts(layout, layout_version, pins, fresh, depth + 1))
        return found

    def _referenced(self, doc: TemplateDoc, version: str | None) -> frozenset[str]:
        """Layout names a version references: parsing every part costs milliseconds,
        and a stored version never changes, so it is done once per version."""
        if version is None:
            return frozenset(referenced_layouts(doc))
        key = (doc.name, version)
        found = self._references.get(key)
        if found is None:
            found = frozenset(referenced_layouts(doc))
            with self._lock:
                self._references[key] = found
                while len(self._references) > self.max_entries:
                    self._references.pop(next(iter(self._references)))
        return found

    def _latest_layout_version(self, name: str, fresh: bool) -> str:
        now = self.clock()
        cached = self._layout_latest.get(name)
        if cached and not fresh and now - cached[0] < self.layout_ttl_s:
            return cached[1]
        try:
            version = (self.store.head(name).version_id if name in self._seen
                       else self._fetch_latest(name))
        except NotFound as exc:  # AWS trouble is not the template's fault: it propagates
            raise TemplateInvalid(f"layout {name!r} does not exist", field="html") from exc
        self._layout_latest[name] = (now, version)
        return version

    def _fetch_latest(self, name: str) -> str:
        """GET the latest version (content and id in one call) and keep it."""
        doc, info = self.store.get(name)
        self._keep(name, info.version_id, doc)
        self._seen.add(name)
        return info.version_id

    def _doc(self, name: str, version: str) -> TemplateDoc:
        key = (name, version)
        with self._lock:
            doc = self._docs.get(key)
        if doc is None:
            doc, _ = self.store.get(name, version)
            self._keep(name, version, doc)
        return doc

    def _keep(self, name: str, version: str, doc: TemplateDoc) -> None:
        with self._lock:
            self._docs[(name, version)] = doc
            while len(self._docs) > self.max_entries:
                self._docs.popitem(last=False)
