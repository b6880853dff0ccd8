"""The Jinja2 environment templates run in: sandboxed, strict, bounded.

Templates are edited by people and so are untrusted. On top of Jinja2's
immutable sandbox (no dunder attributes, no mutation, no str.format escapes)
this bounds what a hostile template can make the renderer do, by mechanism:

- size: every operator, filter and method that can amplify a string or a list
  (`*`, `**`, `+`, `%`, `~`, `format`, `center`, `join`, `replace`, `indent`,
  `wordwrap`, `batch`, `slice`, `sum`, `ljust`, `zfill`, `translate`, ...)
  has its result size estimated from its operands and is refused *before* it
  is built when the estimate passes the output cap; every value a template
  builds (operator, filter, call, concatenation, output) is then measured
  against the cap and charged to a per-render budget (`WORK_FACTOR` times the
  cap), which bounds the memory a render can hold however it spreads it;
- time: the deadline is checked in every loop iteration and block, every call,
  attribute or item access, operator, filter and output expression, on
  whatever thread renders (plus a signal timer on the main thread);
- numbers: integer `*` and `**` are refused past `MAX_INT_BITS`.
"""
from __future__ import annotations

import contextlib
import re
import signal
import string
import threading
import time
import types
from functools import update_wrapper
from typing import Any, Callable, Iterator, Mapping

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import SecurityError
from jinja2.nodes import Concat
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace, _PassArg

MAX_SEQUENCE_ITEMS = 100_000
MAX_INT_BITS = 4096
WORK_FACTOR = 32
DEFAULT_MAX_BYTES = 512_000
_ITEM_FOOTPRINT = 56  # bytes a Python object costs beyond its text, roughly
_SAFE_GLOBALS = ("range", "dict", "cycler", "joiner", "namespace")


class RenderLimitExceeded(SecurityError):
    """A template went past a size or time bound (the message names the bound)."""


class _Bounds(threading.local):
    """The bounds of the render running on this thread (none outside a render)."""

    deadline: float = 0.0
    timeout_s: float = 0.0
    max_bytes: int = DEFAULT_MAX_BYTES
    work_left: int = -1  # negative: no render is running, nothing is charged


_bounds = _Bounds()


def _too_slow() -> RenderLimitExceeded:
    return RenderLimitExceeded(f"render took longer than {_bounds.timeout_s:g} s")


def check_deadline() -> None:
    """Raise once the render running on this thread has used its time."""
    if _bounds.deadline and time.monotonic() > _bounds.deadline:
        raise _too_slow()


def max_bytes() -> int:
    """The output cap of the render running on this thread."""
    return _bounds.max_bytes


def ensure_fits(estimate: int, what: str) -> None:
    """Refuse an operation whose result would be larger than the output cap."""
    if estimate > _bounds.max_bytes:
        raise RenderLimitExceeded(
            f"{what} is too large: output would be larger than {_bounds.max_bytes} bytes")


def charge_work(cost: int, what: str) -> None:
    """Count `cost` bytes against the render's budget for building values."""
    if _bounds.work_left < 0:
        return
    _bounds.work_left -= cost
    if _bounds.work_left < 0:
        _bounds.work_left = 0
        raise RenderLimitExceeded(
            f"{what} is too large: rendering would build more than "
            f"{_bounds.max_bytes * WORK_FACTOR} bytes of values")


def text_size(value: Any, limit: int | None = None) -> int:
    """Length of `str(value)`, estimated without building it; counting stops past `limit`."""
    limit = _bounds.max_bytes if limit is None else limit
    if isinstance(value, str):
        return len(value)
    size, _ = _measure(value, limit)
    return size


def _measure(value: Any, limit: int) -> tuple[int, int]:
    """(text length, number of objects) of `value`'s printed form, up to `limit`."""
    size = items = 0
    stack = [value]
    while stack and size <= limit:
        item = stack.pop()
        items += 1
        if isinstance(item, (str, bytes, bytearray)):
            size += len(item) + 3
        elif isinstance(item, bool) or item is None:
            size += 5
        elif isinstance(item, int):
            size += item.bit_length() * 1233 // 4096 + 2
        elif isinstance(item, float):
            size += 24
        elif isinstance(item, (list, tuple, set, frozenset, dict)):
            size += 2 + 2 * len(item)
            if size <= limit:
                stack.extend(item.items() if isinstance(item, dict) else item)
        elif isinstance(item, Namespace):
            stack.append(item._Namespace__attrs)  # type: ignore[attr-defined]
        else:
            size += 40
    return size, items


def charge(value: Any, what: str) -> Any:
    """Refuse `value` if its text is over the cap; charge it to the render's budget."""
    if isinstance(value, str):
        size, items = len(value), 1
    else:
        size, items = _measure(value, _bounds.max_bytes)
    ensure_fits(size, what)
    charge_work(size + _ITEM_FOOTPRINT * items, what)
    return value


def materialize(iterable: Any) -> Any:
    """Sized containers as they are; other iterables (generators) as a bounded list."""
    if isinstance(iterable, (str, list, tuple, dict, set, frozenset)):
        return iterable
    items = []
    for index, item in enumerate(iterable):
        if index % 1000 == 0:
            check_deadline()
            if index > _bounds.max_bytes:
                ensure_fits(index, "the sequence")
        items.append(item)
    return items


def _int(value: Any, default: int = 0) -> int:
    try:
        return abs(int(value))
    except (TypeError, ValueError, OverflowError):
        return default


def _ints(values: Any) -> int:
    return sum(abs(v) for v in values if isinstance(v, int) and not isinstance(v, bool))


def _digits_in(spec: str) -> int:
    """Sum of the numbers in a format spec: every width or precision it may ask for."""
    return sum(int(run) for run in re.findall(r"\d+", spec[:1000]))


_PRINTF = re.compile(r"%(?:\([^)]*\))?([-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?)[hlL]?[a-zA-Z%]")


def printf_estimate(fmt: Any, args: Any) -> int:
    """Size of `fmt % args`: each conversion may print the largest argument at its width."""
    fmt = str(fmt)
    values = list(args.values()) if isinstance(args, Mapping) else (
        list(args) if isinstance(args, tuple) else [args])
    widest = max((text_size(v) for v in values), default=0)
    estimate = len(fmt)
    for match in _PRINTF.finditer(fmt):
        estimate += widest + _digits_in(match.group(1))
        if "*" in match.group(1):
            estimate += _ints(values)
    return estimate


def format_estimate(fmt: str, args: Any, kwargs: Mapping[str, Any]) -> int:
    """Size of `fmt.format(*args, **kwargs)`, from its fields' widths and arguments."""
    values = [*args, *kwargs.values()]
    widest = max((text_size(v) for v in values), default=0)
    estimate = 0
    for literal, field, spec, _ in string.Formatter().parse(fmt):
        estimate += len(literal)
        if field is not None:
            spec = spec or ""
            estimate += widest + _digits_in(spec) + (_ints(values) if "{" in spec else 0)
    return estimate


# -- estimators for amplifying filters and methods: (value, *args) -> result size -------

def _est_pad(value: Any, width: Any = 80, *_: Any, **__: Any) -> int:
    return max(text_size(value), _int(width))


def _est_expandtabs(value: Any, tabsize: Any = 8) -> int:
    text = str(value)
    return len(text) + text.count("\t") * _int(tabsize)


def _est_replace(value: Any, old: Any, new: Any, count: Any = None) -> int:
    text, old, new = str(value), str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    return len(text) + hits * max(len(new) - len(old), 0)


def _est_join(separator: Any, items: Any) -> int:
    items = materialize(items)
    limit = _bounds.max_bytes + 1
    total = max(len(items) - 1, 0) * len(str(separator))
    for item in items:
        if total > limit:
            break
        total += text_size(item, limit)
    return total


def _est_join_filter(value: Any, d: Any = "", attribute: Any = None) -> int:
    return _est_join(d, value)


def _est_indent(value: Any, width: Any = 4, first: bool = False, blank: bool = False) -> int:
    text = str(value)
    per_line = len(width) if isinstance(width, str) else _int(width)
    return len(text) + (text.count("\n") + 1) * per_line


def _est_wordwrap(value: Any, width: Any = 79, break_long_words: bool = True,
                  wrapstring: Any = None, break_on_hyphens: bool = True) -> int:
    text = str(value)
    lines = (len(text) // max(_int(width, 1), 1) + text.count(" ") + text.count("\n")
             + text.count("\t") + 1)
    return len(text) + lines * len(str(wrapstring or "\n"))


def _est_urlize(value: Any, trim_url_limit: Any = None, nofollow: bool = False,
                target: Any = None, rel: Any = None, extra_schemes: Any = None) -> int:
    text = str(value)
    per_link = len(str(target or "")) + len(str(rel or "")) + 64
    return 3 * len(text) + (text.count(" ") + text.count("\n") + 1) * per_link


def _groups(value: Any, groups: int, fill: Any) -> int:
    filler = groups * text_size(fill) if fill is not None else 0
    return 5 * text_size(value) + 4 * groups + filler


def _est_batch(value: Any, linecount: Any, fill_with: Any = None) -> int:
    size = len(value) if hasattr(value, "__len__") else text_size(value)
    per = max(_int(linecount, 1), 1)
    return _groups(value, size // per + 1, fill_with) + (
        per * text_size(fill_with) if fill_with is not None else 0)


def _est_slice(value: Any, slices: Any, fill_with: Any = None) -> int:
    return _groups(value, _int(slices), fill_with)


def _est_list(value: Any) -> int:
    return 5 * len(value) + 2 if isinstance(value, str) else 0


def _est_format_filter(value: Any, *args: Any, **kwargs: Any) -> int:
    return printf_estimate(value, kwargs or args)


def _est_sum(iterable: Any, attribute: Any = None, start: Any = 0) -> int:
    """Summing sequences copies the running total each step: cost n x total size."""
    if isinstance(start, (int, float)):
        return 0
    items = materialize(iterable)
    total = text_size(start) + sum(text_size(item) for item in items[:MAX_SEQUENCE_ITEMS])
    charge_work(len(items) * total, "sum over sequences")
    return total


def _est_translate(value: Any, table: Any) -> int:
    text = str(value)
    widest = max((text_size(v) for v in table.values()), default=1) if isinstance(
        table, Mapping) else 1
    return len(text) * max(widest, 1)


def _est_to_bytes(value: Any, length: Any = 1, *_: Any, **__: Any) -> int:
    return _int(length)


_FILTER_ESTIMATES: dict[str, Callable[..., int]] = {
    "center": _est_pad, "format": _est_format_filter, "join": _est_join_filter,
    "replace": _est_replace, "indent": _est_indent, "wordwrap": _est_wordwrap,
    "urlize": _est_urlize, "batch": _est_batch, "slice": _est_slice, "list": _est_list,
    "sum": _est_sum,
}
_MATERIALIZED_FILTERS = {"join", "sum"}
_METHOD_ESTIMATES: dict[str, Callable[..., int]] = {
    "center": _est_pad, "ljust": _est_pad, "rjust": _est_pad, "zfill": _est_pad,
    "expandtabs": _est_expandtabs, "replace": _est_replace, "join": _est_join,
    "translate": _est_translate, "to_bytes": _est_to_bytes,
}


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` with a deadline check, a size estimate before and a size charge after."""
    estimate = _FILTER_ESTIMATES.get(name)
    skip = 1 if _PassArg.from_obj(func) is not None else 0
    what = f"the {name} filter"

    def guarded(*args: Any, **kwargs: Any) -> Any:
        check_deadline()
        if name in _MATERIALIZED_FILTERS and len(args) > skip:
            args = (*args[:skip], materialize(args[skip]), *args[skip + 1:])
        if estimate is not None and len(args) > skip:
            ensure_fits(estimate(*args[skip:], **kwargs), what)
        return charge(func(*args, **kwargs), what)

    return update_wrapper(guarded, func)


def _method_estimate(func: Any) -> Callable[..., int] | None:
    """The size estimator of a bound str/bytes/int method that can amplify, if any."""
    owner = getattr(func, "__self__", None)
    if not isinstance(owner, (str, bytes, int)) or not isinstance(
            func, (types.BuiltinMethodType, types.MethodType)):
        return None
    estimate = _METHOD_ESTIMATES.get(func.__name__)
    return None if estimate is None else (lambda *a, **k: estimate(owner, *a, **k))


class _BoundedRange:
    """`range` that checks the render deadline as loops run (nested loops multiply)."""

    def __init__(self, *args: int) -> None:
        self.numbers = range(*args)
        if len(self.numbers) > MAX_SEQUENCE_ITEMS:
            raise RenderLimitExceeded(f"range() is limited to {MAX_SEQUENCE_ITEMS} items")

    def __len__(self) -> int:
        return len(self.numbers)

    def __iter__(self) -> Iterator[int]:
        for index, number in enumerate(self.numbers):
            if index % 1000 == 0:
                check_deadline()
            yield number


class _PartsLoader(BaseLoader):
    """Serves the parts of one compiled template and its layouts, by name."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        if template not in self.sources:
            raise TemplateNotFound(template)
        return self.sources[template], template, lambda: True


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles a deadline check into every block (so every loop iteration and macro
    body) and a size check into every `~` concatenation."""

    def blockvisit(self, nodes: Any, frame: Frame) -> None:
        self.writeline("environment.tick()")
        super().blockvisit(nodes, frame)

    @optimizeconst
    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        """As Jinja's, with the parts sized (`environment.concat_parts`) before the join."""
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            func_name = "markup_join"
        else:
            func_name = "str_join"
        self.write(f"{func_name}(environment.concat_parts((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(")))")


class HeraldSandbox(ImmutableSandboxedEnvironment):
    """Immutable sandbox whose operators, filters, calls and lookups are bounded."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    @staticmethod
    def tick() -> None:
        check_deadline()

    @staticmethod
    def concat_parts(parts: tuple[Any, ...]) -> tuple[Any, ...]:
        """Refuse a `~` whose joined text would pass the cap, before joining."""
        check_deadline()
        size = 0
        for part in parts:
            size += text_size(part)
            ensure_fits(size, "the result of ~")
        charge_work(size, "the result of ~")
        return parts

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_deadline()
        what = f"the result of {operator}"
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
                    ensure_fits(text_size(seq) * count, what)
            if isinstance(left, int) and isinstance(right, int):
                _ensure_bits(left.bit_length() + right.bit_length())
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
                _ensure_bits(right * abs(left).bit_length())
        elif operator == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                ensure_fits(text_size(left) + text_size(right), what)
        elif operator == "%" and isinstance(left, str):
            ensure_fits(printf_estimate(left, right), what)
        return charge(super().call_binop(context, operator, left, right), what)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        check_deadline()
        estimate = _method_estimate(__obj)
        name = getattr(__obj, "__name__", None) or getattr(__obj, "name", "a function")
        if estimate is not None:
            if name == "join" and args:
                args = (materialize(args[0]), *args[1:])
            ensure_fits(estimate(*args, **kwargs), f"the result of {name}()")
        result = super().call(__context, __obj, *args, **kwargs)
        return charge(result, f"the result of {name}()")

    def getattr(self, obj: Any, attribute: str) -> Any:
        check_deadline()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        check_deadline()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """str.format / format_map, sized from their fields before they run."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = str(value.__self__)
        is_map = value.__name__ == "format_map"

        def bounded(*args: Any, **kwargs: Any) -> str:
            check_deadline()
            fields = (args[0] if args and isinstance(args[0], Mapping) else {}) if is_map \
                else kwargs
            ensure_fits(format_estimate(fmt, () if is_map else args, fields),
                        f"the result of {value.__name__}()")
            return charge(wrapped(*args, **kwargs), f"the result of {value.__name__}()")

        return update_wrapper(bounded, wrapped)


def _ensure_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise RenderLimitExceeded(f"the number is too large: more than {MAX_INT_BITS} bits")


def _autoescape(name: str | None) -> bool:
    """HTML parts and layouts are escaped; subject and text parts are plain text."""
    return name is None or not name.startswith(("@subject", "@text"))


def _finalize(value: Any) -> Any:
    """Every `{{ }}` value passes here before it becomes text: check its size first."""
    check_deadline()
    return "" if value is None else charge(value, "the printed value")


def make_environment(sources: dict[str, str]) -> HeraldSandbox:
    """A sandbox whose loader knows only `sources` (parts and layouts of one template).

    Its template cache is unbounded because `sources` bounds it; without it every
    render would recompile the layout a part `{% extends %}` (5 ms instead of 0.1).
    """
    env = HeraldSandbox(loader=_PartsLoader(sources), autoescape=_autoescape,
                        undefined=StrictUndefined, finalize=_finalize,
                        auto_reload=False, cache_size=-1)
    env.globals = {name: env.globals[name] for name in _SAFE_GLOBALS if name in env.globals}
    env.globals["range"] = _BoundedRange
    env.filters = {name: _guard_filter(name, func) for name, func in env.filters.items()}
    return env


@contextlib.contextmanager
def render_bounds(timeout_s: float, max_bytes: int) -> Iterator[None]:
    """Bound a render on this thread: deadline checks (every thread, cooperative) plus
    a signal timer on the main thread (Lambda's), the output cap and the work budget."""
    previous = (_bounds.deadline, _bounds.timeout_s, _bounds.max_bytes, _bounds.work_left)
    _bounds.deadline = time.monotonic() + timeout_s
    _bounds.timeout_s = timeout_s
    _bounds.max_bytes = max_bytes
    _bounds.work_left = max_bytes * WORK_FACTOR
    use_signal = threading.current_thread() is threading.main_thread()
    if use_signal:
        def _on_alarm(signum: int, frame: Any) -> None:
            raise _too_slow()
        old_handler = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        yield
    finally:
        if use_signal:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        (_bounds.deadline, _bounds.timeout_s, _bounds.max_bytes,
         _bounds.work_left) = previous
