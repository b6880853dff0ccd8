"""The text part made from the HTML (a template without a text part) reads like a
hand-written one: no brand line on top, table rows keep their labels, an address is
printed once; and it stays linear on hostile HTML."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from chalicelib.templating.model import parse_template
from chalicelib.templating.renderer import CompiledTemplate
from chalicelib.templating.text import html_to_text
from tools.template_files import read_all

URL = "https://app.example.com/magic?token=abc"
BUTTON = (f'<table role="presentation"><tr><td class="button-cell">'
          f'<a class="button" href="{URL}">Sign in</a></td></tr></table>')
FALLBACK = ("<p>If the button doesn't work, copy and paste this link into your browser:<br>"
            f'<a href="{URL}">{URL}</a></p>')


def layout(content: str, brand: str = "Acme") -> str:
    """The shape of most transactional mail: a header row, a card, a footer."""
    return (f'<html><head><title>{brand}</title></head><body>'
            f'<div style="display:none">preheader</div>'
            f'<table role="presentation"><tr><td class="header">{brand}</td></tr>'
            f"<tr><td class=\"card\">{content}</td></tr>"
            f'<tr><td class="footer"><p>Sent by {brand}.</p></td></tr></table></body></html>')


def test_the_brand_line_above_the_first_heading_is_left_out():
    text = html_to_text(layout("<h1>Your code</h1><p>Enter 123456.</p>"))
    assert text == "Your code\n\nEnter 123456.\n\nSent by Acme.\n"


def test_a_linked_logo_above_the_heading_is_left_out_and_its_link_still_prints_later():
    home = "https://acme.example/"
    html = (f'<p><a href="{home}"><img src="{home}logo.png" alt="Acme"></a></p>'
            f'<h1>Welcome</h1><p>Visit <a href="{home}">our site</a> soon.</p>')
    assert html_to_text(html) == f"Welcome\n\nVisit our site ({home}) soon.\n"


@pytest.mark.parametrize("html, first_line", [
    ("<p>Thanks for your order.</p><h2>Details</h2>", "Thanks for your order."),
    ("<p>Hi Ana,</p><h2>Details</h2>", "Hi Ana,"),
    ("<p>Acme</p><p>Hello there</p>", "Acme"),  # no heading: nothing marks it as a header
    ("<p>Acme</p><p>Team</p><h1>News</h1>", "Acme"),  # two lines: content, not a brand
])
def test_a_first_line_that_is_content_stays(html, first_line):
    assert html_to_text(html).splitlines()[0] == first_line


def test_table_rows_keep_their_labels_one_row_a_line():
    rows = ("<table class='details'>"
            "<tr><th scope='row'>Device</th>\n  <td>Chrome on macOS</td></tr>"
            "<tr><td>Location:</td><td> Lisbon </td></tr>"
            "<tr><th>IP address</th><td><a href='https://ip.example/1.2.3.4'>1.2.3.4</a></td></tr>"
            "</table><p>After.</p>")
    assert html_to_text("<h1>New sign-in</h1>" + rows) == (
        "New sign-in\n\nDevice: Chrome on macOS\nLocation: Lisbon\n"
        "IP address: 1.2.3.4 (https://ip.example/1.2.3.4)\n\nAfter.\n")


def test_rows_of_columns_and_layout_cells_are_not_read_as_labels():
    columns = "<table><tr><td>SKU</td><td>Item</td><td>Price</td></tr>" \
              "<tr><td>7</td><td>Mug</td><td>9 EUR</td></tr></table>"
    assert html_to_text(columns) == "SKU | Item | Price\n7 | Mug | 9 EUR\n"
    layout_cells = ("<table><tr><td><p>Left column.</p></td><td><p>Right column.</p></td>"
                    "</tr></table>")
    assert html_to_text(layout_cells) == "Left column.\n\nRight column.\n"
    spacer = "<table><tr><td></td><td>Only text</td></tr></table>"
    assert html_to_text(spacer) == "Only text\n"


def test_rows_without_end_tags_still_read_as_labels():
    html = "<table><tr><td>Plan<td>Pro<tr><td>Seats<td>5</table>"
    assert html_to_text(html) == "Plan: Pro\nSeats: 5\n"


def test_a_button_prints_as_text_colon_url_and_its_fallback_paragraph_goes():
    html = layout(f"<h1>Sign in</h1><p>Use the button.</p>{BUTTON}{FALLBACK}"
                  "<p>Or enter this code: 123456</p>")
    text = html_to_text(html)
    assert f"Sign in: {URL}\n\nOr enter this code: 123456\n" in text
    assert text.count(URL) == 1 and "copy and paste" not in text


def test_a_link_alone_on_its_line_reads_like_a_button_and_one_in_a_sentence_keeps_brackets():
    assert html_to_text(f'<p><a href="{URL}">Sign in</a></p>') == f"Sign in: {URL}\n"
    assert html_to_text(f'<p>Please <a href="{URL}">sign in</a> today.</p>') == (
        f"Please sign in ({URL}) today.\n")
    assert html_to_text(f'<p><a href="{URL}">Sign in</a> or stay.</p>') == (
        f"Sign in ({URL}) or stay.\n")


def test_a_link_whose_text_is_its_address_prints_once():
    assert html_to_text(f'<p>Open <a href="{URL}">{URL}</a></p>') == f"Open {URL}\n"


def test_a_repeated_address_prints_once_and_its_lead_in_paragraph_goes():
    html = (f'<p><a href="{URL}">Sign in</a></p><p>Or copy this link:</p>'
            f'<p><a href="{URL}">{URL}</a></p><p>Bye.</p>')
    assert html_to_text(html) == f"Sign in: {URL}\n\nBye.\n"
    other_words = f'<p>Read <a href="{URL}">this</a>, then <a href="{URL}">that</a>.</p>'
    assert html_to_text(other_words) == f"Read this ({URL}), then that.\n"


def test_a_repeat_inside_a_sentence_is_kept_so_no_words_go_missing():
    html = f'<p><a href="{URL}">Sign in</a></p><p>Or open <a href="{URL}">{URL}</a> later.</p>'
    assert html_to_text(html) == f"Sign in: {URL}\n\nOr open {URL} later.\n"


def test_marker_characters_in_the_input_are_plain_text_noise():
    assert html_to_text("<p>a\x01b\x03c</p><table><tr><td>x\x04</td></tr></table>") == "abc\n\nx\n"


@pytest.mark.parametrize("fragment", ["<tr><td>x", "<td>x", "<table><tr>", "</tr>",
                                      '<a href="u">u</a>', '<p><a href="u">u</a></p>',
                                      '<a href="u"><a href="u">', "<h1>x", "x<br>"])
def test_the_new_rules_stay_linear_in_hostile_html(fragment):
    def seconds(size: int) -> float:  # the best of three: a loaded machine only adds time
        html = fragment * (size // len(fragment))
        times = []
        for _ in range(3):
            start = time.monotonic()
            html_to_text(html)
            times.append(time.monotonic() - start)
        return min(times)

    # 8 times the input: linear takes about 8 times as long, quadratic 64 times
    small, large = seconds(50_000), seconds(400_000)
    assert large < 16 * small + 0.2, f"{fragment}: {small:.3f} s then {large:.3f} s for 8x"


# -- every starter template, its text part derived from its HTML --

STARTERS = read_all(Path(__file__).resolve().parents[2] / "templates")
LAYOUTS = {name: (parse_template(name, payload), "v1")
           for name, payload in STARTERS.items() if payload.get("category") == "layout"}
EMAIL_STARTERS = [name for name, payload in STARTERS.items()
                  if payload.get("category") != "layout" and payload.get("channel") != "sms"]
URLS = re.compile(r"https?://[^\s)]+")
# A stage's brand, as templating/brand.py hands it to every render.
BRAND = {"product_name": "Acme", "support_email": "help@acme.example", "logo_url": ""}


def derived_texts(name: str) -> dict[str | None, str]:
    """The starter rendered with its samples, per locale, its text part left out."""
    payload = {key: value for key, value in STARTERS[name].items() if key != "text"}
    payload["locales"] = {code: {part: source for part, source in locale.items() if part != "text"}
                          for code, locale in payload.get("locales", {}).items()}
    template = CompiledTemplate(parse_template(name, payload), "v1", LAYOUTS, brand=BRAND)
    samples = {key: variable.sample for key, variable in template.variables.items()
               if variable.sample is not None}
    return {locale: template.render(samples, locale).text
            for locale in [None, *payload["locales"]]}


@pytest.mark.parametrize("name", EMAIL_STARTERS)
def test_every_starter_derives_a_text_part_that_reads_hand_written(name):
    brand = BRAND["product_name"]
    for locale, text in derived_texts(name).items():
        where = f"{name} ({locale or 'default'})"
        lines = text.splitlines()
        assert lines[0] != brand and len(lines[0].split()) > 1, f"{where} starts {lines[0]!r}"
        urls = URLS.findall(text)
        assert len(urls) == len(set(urls)), f"{where} repeats an address: {urls}"
        assert "copy and paste this link" not in text, where


def test_the_login_alert_starter_keeps_its_row_labels():
    text = derived_texts("login-alert")[None]
    assert "Device: Firefox on Windows\nLocation: Lisbon, Portugal\nIP address: 203.0.113.7\n" \
        in text
    assert "Secure your account: https://app.example.com/account/security?token=sample" in text


def test_a_starter_button_prints_text_colon_url():
    text = derived_texts("magic-link")[None]
    assert "Sign in to Acme: https://app.example.com/magic?token=sample\n" in text
