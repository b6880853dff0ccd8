"""The renderer on its own: escaping, subject, text part, CSS, limits, error lines."""
from __future__ import annotations

import time

import pytest

from chalicelib.errors import RenderError, TemplateInvalid
from chalicelib.templating.model import parse_template
from chalicelib.templating.renderer import CompiledTemplate, RenderLimits, check_template
from chalicelib.templating.text import html_to_text


def compiled(html="<p>{{ name }}</p>", subject="Hi {{ name }}", text=None, **extra):
    payload = {"subject": subject, "html": html, "variables": {"name": {"sample": "Ann"}},
               **extra}
    if text is not None:
        payload["text"] = text
    return CompiledTemplate(parse_template("t", payload), "v1", {},
                            RenderLimits(timeout_s=0.5, max_bytes=10_000))


def test_html_is_escaped_subject_and_text_are_not():
    mail = compiled(text="Hi {{ name }}").render({"name": "<b>&"})
    assert mail.html == "<p>&lt;b&gt;&amp;</p>"
    assert mail.subject == "Hi <b>&" and mail.text == "Hi <b>&"


def test_subject_is_forced_to_one_line():
    mail = compiled().render({"name": "a\r\nBcc: x@example.com\n\tmore"})
    assert mail.subject == "Hi a Bcc: x@example.com more"


def test_text_is_derived_from_html_with_links_kept():
    html = ("<html><head><style>p{color:red}</style><title>T</title></head><body>"
            "<h1>Sign in</h1><p>Use <a href='https://x.example/m?t={{ name }}'>this link</a>.</p>"
            "<ul><li>one</li><li>two</li></ul></body></html>")
    text = compiled(html=html).render({"name": "tok"}).text
    assert text == "Sign in\n\nUse this link (https://x.example/m?t=tok).\n\n- one\n\n- two\n"
    assert html_to_text("<p>a &amp; b</p>") == "a & b\n"
    hidden = '<div style="display: none">preheader<span>x</span></div><p>shown<br>line</p>'
    assert html_to_text(hidden) == "shown\nline\n"


def test_css_is_inlined_and_media_queries_kept():
    html = ("<html><head><style>p{color:red} @media (max-width:600px){p{color:blue}}</style>"
            "</head><body><p>{{ name }}</p></body></html>")
    mail = compiled(html=html).render({"name": "x"})
    assert '<p style="color: red;">x</p>' in mail.html
    assert "@media" in mail.html


def test_undefined_variable_error_names_variable_and_line():
    template = compiled(html="<p>\n{{ user.missing }}</p>", subject="Hi",
                        variables={"user": {"sample": {"a": 1}}})
    with pytest.raises(RenderError) as caught:
        template.render({"user": {"a": 1}})
    assert caught.value.line == 2 and caught.value.field == "html"
    assert "missing" in caught.value.message


def test_missing_and_unknown_variables_are_named():
    with pytest.raises(RenderError, match="'name' is required"):
        compiled().render({})
    with pytest.raises(RenderError) as caught:
        compiled().render({"name": "a", "other": 1})
    assert caught.value.field == "variables.other"


@pytest.mark.parametrize("source, problem", [
    ("{{ 'ab' * 10000000 }}", "too large"),
    ("{{ [1, 2] * 10000000 }}", "too large"),
    ("{{ 2 ** 100000 }}", "too large"),
    ("{% for i in range(1000000) %}{% endfor %}", "limited to"),
    ("{% for i in range(99999) %}{{ 'abcdefghij' }}{% endfor %}", "larger than"),
    ("{% for i in range(90000) %}{% for j in range(90000) %}{% endfor %}{% endfor %}",
     "longer than"),
])
def test_resource_limits_fail_fast_with_a_clear_error(source, problem):
    start = time.monotonic()
    with pytest.raises(RenderError, match=problem):
        compiled(html=source).render({"name": "x"})
    assert time.monotonic() - start < 3


def test_limits_also_hold_off_the_main_thread():
    from concurrent.futures import ThreadPoolExecutor

    slow = compiled(html="{% for i in range(90000) %}{% for j in range(90000) %}"
                         "{% endfor %}{% endfor %}")
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(slow.render, {"name": "x"})
        with pytest.raises(RenderError, match="longer than"):
            future.result(timeout=5)


def test_save_check_reports_undeclared_variable_with_line():
    with pytest.raises(TemplateInvalid) as caught:
        check_template(compiled(html="<p>ok</p>\n\n{{ ghost }}"))
    assert caught.value.line == 3 and "'ghost'" in caught.value.message


def test_optional_variables_default_to_empty_or_declared_default():
    template = CompiledTemplate(parse_template("t", {
        "subject": "s", "html": "[{{ a }}|{{ b }}]",
        "variables": {"a": {"required": False}, "b": {"required": False, "default": "B"}}}),
        "v1", {})
    assert template.render({}).html == "[|B]"
