"""Hostile templates without the API (issue 12, items 2 and 5): any composition of
amplifying operations stays inside the size and time bounds, the derived text part is
linear, and a render error still names what is missing. The bomb-by-bomb checks, which
each wait out a real bound, are in tests/functional/test_render_bounds.py."""
from __future__ import annotations

import time
import tracemalloc

import pytest
from helpers import compiled_html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.errors import RenderError
from chalicelib.templating.renderer import RenderLimits
from chalicelib.templating.text import html_to_text

TIME_BOUND_S = 1.2


def test_the_text_part_is_linear_in_hostile_html():
    for fragment in ("<a", "<a ", "< ", "<!--", "</", '<a "', "<a href=x>", "<p>x</p>",
                     '<div style="display:none">'):
        html = fragment * (400_000 // len(fragment))
        start = time.monotonic()
        html_to_text(html)
        assert time.monotonic() - start < 0.5, fragment


def test_missing_names_from_the_source_are_still_named():
    template = compiled_html("{% set d = {'a': 1} %}\n{{ d.missing }}")
    with pytest.raises(RenderError, match="has no attribute 'missing'") as caught:
        template.render({})
    assert caught.value.line == 2


# -- properties: any composition of amplifying operations stays inside the bounds --

SMALL = RenderLimits(timeout_s=1.0, max_bytes=10_000)
_NUMBER = st.one_of(st.integers(0, 50), st.integers(0, 10**9))
_TEXT = st.sampled_from(["'a'", "'ab\\n'", "'\\t'", "'<a '", "''"])


@st.composite
def _expression(draw, depth: int = 0) -> str:
    base = draw(_TEXT) if depth == 0 else draw(_expression(depth=depth - 1))
    n, m = draw(_NUMBER), draw(_NUMBER)
    s = draw(_TEXT)
    step = draw(st.sampled_from([
        f"({base})|center({n})", f"({base})|indent({n})", f"({base} ~ {base})",
        f"({base} * {n})", f"({base} + {base})", f"[{base}]|join({s} * {n})",
        f"({base})|replace('a', {s} * {n})", f"({base}).ljust({n})",
        f"'%0{n}d' % {m}", f"'{{:>{n}}}'.format({base})", f"({base})|wordwrap({n % 80 + 1})",
        f"(({base})|list * {n})|join", f"({base})|batch({n % 9 + 1}, {s})|list|join",
        f"({base}).expandtabs({n})", f"({base})|truncate({n}, end={s} * {m})",
    ]))
    return step


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression=_expression(depth=2))
def test_any_composition_fits_the_cap_or_is_refused_naming_it(expression):
    template = compiled_html(f"{{{{ {expression} }}}}", SMALL)
    tracemalloc.start()
    try:
        start = time.monotonic()
        try:
            html = template.render({}).html
        except RenderError as exc:  # a bound, or an ordinary failure (truncate's end > length)
            assert exc.code != "render_limit" or "10000 bytes" in exc.message, exc.message
        else:
            assert len(html) <= SMALL.max_bytes
        assert time.monotonic() - start < TIME_BOUND_S
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * SMALL.max_bytes, f"{expression}: {peak} bytes"


@settings(max_examples=60, deadline=None)
@given(operation=st.sampled_from(["ns.s ~ ns.s", "ns.s + ns.s", "ns.s * 2",
                                  "ns.s|center(ns.s|length * 2)", "ns.s|replace('a', 'aa')",
                                  "(ns.s ~ 'a')|indent(3)"]),
       rounds=st.integers(1, 60))
def test_doubling_in_a_loop_is_refused_at_the_cap(operation, rounds):
    template = compiled_html("{% set ns = namespace(s='a\\na') %}{% for i in range(" + str(rounds)
                         + ") %}{% set ns.s = " + operation + " %}{% endfor %}{{ ns.s }}", SMALL)
    try:
        html = template.render({}).html
    except RenderError as exc:
        assert "10000 bytes" in exc.message, exc.message
    else:
        assert len(html) <= SMALL.max_bytes


@settings(max_examples=100, deadline=None)
@given(fragment=st.text(alphabet='<>/a! "=-x', min_size=1, max_size=12))
def test_derived_text_is_fast_on_any_repeated_fragment(fragment):
    html = fragment * (200_000 // len(fragment))
    start = time.monotonic()
    text = html_to_text(html)
    assert time.monotonic() - start < 0.5 and text.endswith("\n")
