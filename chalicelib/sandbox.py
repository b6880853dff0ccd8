"""The Jinja2 environment templates run in: sandboxed, strict, bounded.

Templates are edited by people and so are untrusted. On top of Jinja2's
immutable sandbox (no dunder attributes, no mutation, no str.format escapes)
this bounds what a hostile template can make the renderer do: huge
repetitions, deep exponentiation, long loops and huge outputs are refused
with a clear message instead of eating the Lambda's memory or time.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time
from typing import Any, Iterator

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_SEQUENCE_ITEMS = 100_000
MAX_STRING_PRODUCT = 100_000
MAX_EXPONENT_BITS = 256
_SAFE_GLOBALS = ("range", "dict", "cycler", "joiner", "namespace")


class RenderLimitExceeded(SecurityError):
    """A template went past a size or time bound."""


class _Deadline(threading.local):
    at: float = 0.0


_deadline = _Deadline()


def check_deadline() -> None:
    """Raise once the render running on this thread has used its time."""
    if _deadline.at and time.monotonic() > _deadline.at:
        raise RenderLimitExceeded("rendering took longer than allowed")


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


class HeraldSandbox(ImmutableSandboxedEnvironment):
    """Immutable sandbox that also refuses oversized `*` and `**` results."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (isinstance(seq, (str, list, tuple)) and isinstance(count, int)
                        and len(seq) * count > MAX_STRING_PRODUCT):
                    raise RenderLimitExceeded("repetition result is too large")
        if (operator == "**" and isinstance(left, int) and isinstance(right, int)
                and abs(left) > 1 and right * abs(left).bit_length() > MAX_EXPONENT_BITS):
            raise RenderLimitExceeded("exponent result is too large")
        return super().call_binop(context, operator, left, right)


def _autoescape(name: str | None) -> bool:
    """HTML parts and layouts are escaped; subject and text parts are plain text."""
    return name is None or not name.startswith(("@subject", "@text"))


def _finalize(value: Any) -> Any:
    return "" if value is None else value


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
    return env


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Bound a render in time: a signal timer on the main thread (Lambda's),
    cooperative deadline checks (loops, output chunks) on every thread."""
    previous = _deadline.at
    _deadline.at = time.monotonic() + seconds
    use_signal = threading.current_thread() is threading.main_thread()
    if use_signal:
        def _on_alarm(signum: int, frame: Any) -> None:
            raise RenderLimitExceeded("rendering took longer than allowed")
        old_handler = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        if use_signal:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        _deadline.at = previous
