"""Compiles templates once and renders them safely.

A CompiledTemplate is immutable (its version and its layouts' versions are
pinned), so the consumer can cache it for the life of the container.
Errors name the part, the line and the problem, never a variable's value.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any, Mapping

from jinja2 import TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateError

from chalicelib.errors import RenderError, TemplateInvalid
from chalicelib.messages.envelope import SMS
from chalicelib.platform import redaction
from chalicelib.templating.model import TemplateDoc, Variable, check_link_target
from chalicelib.templating.sandbox import (
    WORK_FACTOR,
    RenderLimitExceeded,
    ensure_fits,
    make_environment,
    max_bytes,
    render_bounds,
)
from chalicelib.templating.segments import SmsParts, sms_parts

MAX_LAYOUT_DEPTH = 3
_SUBJECT_MAX = 998
SMS_MAX_CHARACTERS = 1600  # SNS refuses a longer SMS publish


@dataclass(frozen=True)
class RenderLimits:
    timeout_s: float = 1.0
    max_bytes: int = 512_000


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    html: str
    text: str
    locale: str

    def to_dict(self) -> dict[str, str]:
        return {"subject": self.subject, "html": self.html, "text": self.text,
                "locale": self.locale}


@dataclass(frozen=True)
class RenderedSms:
    text: str
    locale: str
    parts: SmsParts

    def to_dict(self) -> dict[str, object]:
        """The preview: the text and what it costs (encoding, segments)."""
        return {"channel": SMS, "text": self.text, "locale": self.locale,
                **self.parts.to_dict()}


def _source_key(part: str, locale: str) -> str:
    return f"@{part}:{locale}"


def field_of(source_key: str, default_locale: str) -> str:
    """Map a loader name back to the API field it came from."""
    if not source_key.startswith("@"):
        return f"layout:{source_key}"
    part, locale = source_key[1:].split(":", 1)
    return part if locale == default_locale else f"locales.{locale}.{part}"


def referenced_layouts(doc: TemplateDoc) -> set[str]:
    """Names of the layouts `doc` extends or includes (literal names only)."""
    env = make_environment({})
    names: set[str] = set()
    for key, source in _sources(doc).items():
        try:
            found = meta.find_referenced_templates(env.parse(source))
        except TemplateSyntaxError as exc:
            raise _syntax_error(exc, key, doc.default_locale) from None
        for name in found:
            if name is None:
                raise TemplateInvalid("extends/include need a literal layout name",
                                      field=field_of(key, doc.default_locale))
            names.add(name)
    return names


def _sources(doc: TemplateDoc) -> dict[str, str]:
    sources = {}
    for locale in [doc.default_locale, *doc.locales]:
        for part in doc.parts:
            source = doc.part(part, locale)
            if source is not None:
                sources[_source_key(part, locale)] = source
    return sources


def _syntax_error(exc: TemplateSyntaxError, key: str, default_locale: str) -> TemplateInvalid:
    return TemplateInvalid(f"line {exc.lineno}: {exc.message}",
                           field=field_of(exc.name or key, default_locale), line=exc.lineno)


def _template_line(traceback: Any, sources: Mapping[str, str]) -> tuple[str | None, int | None]:
    """The innermost template frame of a render error: (loader name, line)."""
    where: tuple[str | None, int | None] = (None, None)
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename in sources:
            where = (filename, traceback.tb_lineno)
        traceback = traceback.tb_next
    return where


_UNDEFINED_NAME = re.compile(r"^'([A-Za-z_][A-Za-z0-9_]*)' is undefined$")
_MISSING_ATTRIBUTE = re.compile(r"^('[a-z_ ]+ object') has no (?:attribute|element) '?(.*?)'?$")

# Fixed descriptions of runtime failures: a failure's own message may quote the
# value it failed on (a secret code, a link), so it is never shown or logged.
_FAILURE_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (ZeroDivisionError, "division by zero"),
    (OverflowError, "a number is out of range"),
    (UnicodeError, "text could not be encoded or decoded"),
    (ValueError, "a value could not be converted"),
    (TypeError, "a value has the wrong type for the operation"),
    (LookupError, "a key or index is missing"),
    (AttributeError, "an attribute is missing"),
    (TemplateError, "the template is used in a way Jinja does not allow"),
)


def _literal_names(ast: nodes.Template) -> dict[int, set[str]]:
    """Names, attributes and constant keys written in the template source, by line:
    the only text (besides the source's own errors) a render error may quote."""
    found: dict[int, set[str]] = {}
    for node in ast.find_all((nodes.Name, nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Name):
            name = node.name
        elif isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, (str, int)):
            name = str(node.arg.value)
        else:
            continue
        found.setdefault(node.lineno, set()).add(name)
    return found


def _failed_in_filter(traceback: Any) -> bool:
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename.endswith(("jinja2/filters.py",
                                                           "jinja2\\filters.py")):
            return True
        traceback = traceback.tb_next
    return False


class CompiledTemplate:
    """One template version with its pinned layouts, compiled and ready to render."""

    def __init__(self, doc: TemplateDoc, version: str,
                 layouts: Mapping[str, tuple[TemplateDoc, str]],
                 limits: RenderLimits = RenderLimits(),
                 brand: Mapping[str, Any] | None = None) -> None:
        self.doc = doc
        self.version = version
        self.limits = limits
        # the stage's brand values (templating/brand.py), by variable name
        self.brand = dict(brand or {})
        self.pins = {doc.name: version, **{name: ver for name, (_, ver) in layouts.items()}}
        self.variables: dict[str, Variable] = {}
        for layout_doc, _ in layouts.values():
            self.variables.update(layout_doc.variables)
        self.variables.update(doc.variables)
        self.sources = _sources(doc)
        self.sources.update({name: layout.html for name, (layout, _) in layouts.items()})
        self.env = make_environment(self.sources)
        self.compiled = {}
        self._literals_by_key: dict[str, dict[int, set[str]]] = {}
        for key in self.sources:
            try:
                self.compiled[key] = self.env.get_template(key)
            except TemplateSyntaxError as exc:
                raise _syntax_error(exc, key, doc.default_locale) from None

    @property
    def secret_names(self) -> list[str]:
        """Values never shown (logs, the message log, the DLQ view): secrets and link targets."""
        return sorted(n for n, v in self.variables.items() if v.secret or v.link)

    @property
    def link_names(self) -> list[str]:
        """Variables sent as scanner-safe gateway links (chalicelib/links/)."""
        return sorted(n for n, v in self.variables.items() if v.link)

    def check_links(self, variables: Mapping[str, Any], allow_http: bool = False) -> None:
        """422 naming the first link variable whose value is not an absolute https URL."""
        for name in self.link_names:
            if name in variables:
                check_link_target(name, variables[name], allow_http)

    def context(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Apply the stage's brand and the defaults, and refuse missing or undeclared
        variables, by name. A value the caller gives wins, then the brand's (when the
        stage sets one), then the template's default: preview, test send and real
        sends all resolve here, so they show the same brand."""
        for name in variables:
            if name not in self.variables:
                raise RenderError(f"variable {name!r} is not declared by template "
                                  f"{self.doc.name!r}", field=f"variables.{name}",
                                  code="undeclared_variable")
        context = {}
        for name, declaration in self.variables.items():
            if name in variables:
                context[name] = variables[name]
            elif self.brand.get(name):
                context[name] = self.brand[name]
            elif declaration.default is not None:
                context[name] = declaration.default
            elif declaration.required:
                raise RenderError(f"variable {name!r} is required", field=f"variables.{name}",
                                  code="missing_variable")
            else:
                context[name] = None
        return context

    def sample_variables(self) -> dict[str, Any]:
        """Sample values for previews, test sends and save-time checks. The brand's
        variables get none: `context` gives them the stage's values, as in real mail."""
        return {name: next(value for value in (v.sample, v.default, f"[{name}]")
                            if value is not None)
                for name, v in self.variables.items() if name not in self.brand}

    def render(self, variables: Mapping[str, Any], locale: str | None = None,
               deliverable: bool = True) -> RenderedMail:
        """Render every part. `deliverable=False` (the API's pre-enqueue check) skips the
        finishing that cannot fail, CSS inlining and the derived text part."""
        context = self.context(variables)
        chosen = self.doc.resolve_locale(locale)
        secrets = redaction.secret_values(context, self.secret_names)
        limits = self.limits
        with redaction.guarding(secrets), render_bounds(limits.timeout_s, limits.max_bytes):
            subject = self._render_part("subject", chosen, context)
            html = self._render_part("html", chosen, context)
            text_key = _source_key("text", chosen)
            text = self._render_key(text_key, context) if text_key in self.compiled else None
            if deliverable:
                html, text = self._finish(html, text)
        subject = " ".join(subject.split())[:_SUBJECT_MAX]
        return RenderedMail(subject=subject, html=html, text=text or "", locale=chosen)

    def render_sms(self, variables: Mapping[str, Any], locale: str | None = None
                   ) -> RenderedSms:
        """Render an SMS template's text (surrounding whitespace dropped: every
        character is paid for) and measure it; refused past SNS's limit."""
        context = self.context(variables)
        chosen = self.doc.resolve_locale(locale)
        secrets = redaction.secret_values(context, self.secret_names)
        limits = self.limits
        with redaction.guarding(secrets), render_bounds(limits.timeout_s, limits.max_bytes):
            text = self._render_part("text", chosen, context).strip()
        field = field_of(_source_key("text", chosen), self.doc.default_locale)
        if not text:
            raise RenderError(f"{field}: the SMS renders empty", field=field, code="empty_sms")
        if len(text) > SMS_MAX_CHARACTERS:
            raise RenderError(f"{field}: the SMS is {len(text)} characters; SMS allows at most "
                              f"{SMS_MAX_CHARACTERS}", field=field, code="render_limit")
        return RenderedSms(text=text, locale=chosen, parts=sms_parts(text))

    def preview(self, variables: Mapping[str, Any], locale: str | None = None
                ) -> RenderedMail | RenderedSms:
        """What this template's channel would send (the admin preview)."""
        if self.doc.channel == SMS:
            return self.render_sms(variables, locale)
        return self.render(variables, locale)

    def _finish(self, html: str, text: str | None) -> tuple[str, str]:
        """CSS inlining and the derived text part, inside the same bounds as the render."""
        # imported here: the API's render never finishes the mail (~2 ms of its cold start)
        from chalicelib.templating.text import html_to_text

        try:
            html = _inline_css(html)
            return html, text if text is not None else html_to_text(html)
        except RenderLimitExceeded as exc:
            raise RenderError(f"html: {exc}", field="html", code="render_limit") from None
        except Exception as exc:  # noqa: BLE001 - a finishing failure is a render error
            raise RenderError(f"html: finishing the mail failed ({type(exc).__name__})",
                              field="html") from None

    def _render_part(self, part: str, locale: str, context: dict[str, Any]) -> str:
        key = _source_key(part, locale)
        if key not in self.compiled:
            key = _source_key(part, self.doc.default_locale)
        return self._render_key(key, context) if key in self.compiled else ""

    def _render_key(self, key: str, context: dict[str, Any]) -> str:
        chunks: list[str] = []
        size = 0
        try:
            for chunk in self.compiled[key].generate(context):
                size += len(chunk)
                ensure_fits(size, "the output")
                chunks.append(chunk)
        except RenderError:
            raise
        except Exception as exc:  # noqa: BLE001 - every template failure is a render error
            raise self._render_error(exc, key) from None
        return "".join(chunks)

    def _literals(self, key: str) -> dict[int, set[str]]:
        """The names a part spells, by line; parsed on the first error that needs them
        (on the send path a second parse of every part costs 3-7 ms)."""
        found = self._literals_by_key.get(key)
        if found is None:
            try:
                found = _literal_names(self.env.parse(self.sources[key]))
            except Exception:  # noqa: BLE001 - e.g. the render's timer: name nothing
                return {}
            self._literals_by_key[key] = found
        return found

    def _render_error(self, exc: BaseException, key: str) -> RenderError:
        """A value-free error: the part, the line and a fixed description of the problem.

        Only Herald's own limit messages, and names written in the template source,
        are quoted; an exception's own text may hold a variable's value, so it is not."""
        traceback = sys.exc_info()[2]
        name, line = _template_line(traceback, self.sources)
        field = field_of(name or key, self.doc.default_locale)
        where = f"{field}, line {line}: " if line else f"{field}: "
        if isinstance(exc, UndefinedError):
            literals = self._literals(name or key).get(line or 0, set())
            return RenderError(where + _undefined_message(str(exc), literals), field=field,
                               line=line, code="undefined_variable")
        if isinstance(exc, RenderLimitExceeded):
            return RenderError(where + str(exc), field=field, line=line, code="render_limit")
        if isinstance(exc, SecurityError):
            return RenderError(where + "the template tried an operation the sandbox forbids",
                               field=field, line=line, code="unsafe_template")
        if isinstance(exc, (RecursionError, MemoryError)):
            return RenderError(where + "the template recurses too deeply or builds too much",
                               field=field, line=line, code="render_limit")
        kind = next((text for kind, text in _FAILURE_KINDS if isinstance(exc, kind)),
                    "the expression could not be evaluated")
        what = "a filter" if _failed_in_filter(traceback) else "an expression"
        return RenderError(where + f"{what} failed ({type(exc).__name__}: {kind})",
                           field=field, line=line)


def _undefined_message(message: str, literals: set[str]) -> str:
    """Name the missing variable or attribute only when the source spells it on that line."""
    match = _UNDEFINED_NAME.match(message)
    if match and match.group(1) in literals:
        return f"variable {match.group(1)!r} is not defined"
    match = _MISSING_ATTRIBUTE.match(message)
    if match and match.group(2) in literals:
        return f"{match.group(1)} has no attribute {match.group(2)!r}"
    return "a variable, attribute or key the template looks up is missing"


_STYLE_OPEN = re.compile(r"<style\b[^>]*>", re.IGNORECASE)
_STYLE_CLOSE = re.compile(r"</style", re.IGNORECASE)


def _style_bytes(html: str) -> int:
    """Total length of the <style> blocks (linear: one forward scan)."""
    total, pos = 0, 0
    while (opening := _STYLE_OPEN.search(html, pos)) is not None:
        closing = _STYLE_CLOSE.search(html, opening.end())
        end = closing.start() if closing else len(html)
        total += end - opening.end()
        pos = end
    return total


def _inline_css(html: str) -> str:
    """Move <style> rules onto elements (mail clients drop <style>); media queries stay.

    Inlining can copy every rule onto every element: (elements x style bytes) is
    bounded by the render's work budget before it runs, the result by the output cap."""
    if "<style" not in html.lower():
        return html
    if html.count("<") * _style_bytes(html) > max_bytes() * WORK_FACTOR:
        raise RenderLimitExceeded(
            f"CSS inlining is too large: elements x style bytes would pass "
            f"{max_bytes() * WORK_FACTOR}")
    import css_inline

    inliner = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)
    inlined = inliner.inline(html)
    ensure_fits(len(inlined), "the HTML with CSS inlined")
    return inlined


def _first_use(ast: nodes.Template, name: str) -> int:
    return min((n.lineno for n in ast.find_all(nodes.Name) if n.name == name), default=1)


def _check_link_uses(compiled: CompiledTemplate, key: str, used: set[str]) -> None:
    """A link variable belongs in the bodies (an href, or written out as text), never in
    the subject: previews and lock screens show a subject, and a link there helps nobody."""
    if not key.startswith("@subject:"):
        return
    links = sorted(used & set(compiled.link_names))
    if links:
        line = _first_use(compiled.env.parse(compiled.sources[key]), links[0])
        raise TemplateInvalid(f"line {line}: link variable {links[0]!r} may be used in the "
                              "html and text bodies only (an href or the link as text)",
                              field=field_of(key, compiled.doc.default_locale), line=line)


def check_template(compiled: CompiledTemplate) -> None:
    """Save-time checks: declared variables cover all uses; samples render in each locale."""
    declared = set(compiled.variables)
    for key, source in compiled.sources.items():
        used = meta.find_undeclared_variables(compiled.env.parse(source))
        missing = sorted(used - declared - set(compiled.env.globals))
        if missing:
            line = _first_use(compiled.env.parse(source), missing[0])
            raise TemplateInvalid(
                f"line {line}: uses undeclared variable {missing[0]!r}; declare it under variables",
                field=field_of(key, compiled.doc.default_locale), line=line)
        _check_link_uses(compiled, key, used)
    if compiled.doc.category == "layout":
        return
    for locale in [compiled.doc.default_locale, *compiled.doc.locales]:
        try:
            compiled.preview(compiled.sample_variables(), locale)
        except RenderError as exc:
            message = f"does not render with its sample values: {exc.message}"
            if exc.code == "render_limit":  # over a bound: the same 422 as preview and send
                raise RenderError(message, field=exc.field, line=exc.line,
                                  code=exc.code) from None
            raise TemplateInvalid(message, field=exc.field, line=exc.line) from None

