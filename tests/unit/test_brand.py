"""The stage's brand as template variables: who wins, and what previews show."""
from __future__ import annotations

from chalicelib.platform.settings import Settings
from chalicelib.templating.brand import brand_variables
from chalicelib.templating.model import parse_template
from chalicelib.templating.renderer import CompiledTemplate

PAYLOAD = {"subject": "{{ product_name }}", "html": "<p>{{ support_email }}</p>",
           "variables": {"product_name": {"required": False, "sample": "Acme",
                                          "default": "Template default"},
                         "support_email": {"required": False, "sample": "s@acme.test",
                                           "default": "d@example.com"}}}


def brand(**settings):
    return brand_variables(Settings(**settings))


def compiled(brand_values):
    return CompiledTemplate(parse_template("t", PAYLOAD, "example.com"), "v1", {},
                            brand=brand_values)


def test_the_brand_wins_over_a_templates_sample_and_default():
    template = compiled(brand(brand_name="Nimbus", support_email="help@nimbus.test"))
    for mail in (template.render({}), template.render(template.sample_variables())):
        assert mail.subject == "Nimbus" and mail.html == "<p>help@nimbus.test</p>"


def test_a_callers_value_wins_over_the_brand():
    template = compiled(brand(brand_name="Nimbus"))
    assert template.render({"product_name": "Nimbus Docs"}).subject == "Nimbus Docs"


def test_an_empty_brand_value_leaves_the_templates_default_in_preview_and_send_alike():
    template = compiled(brand(brand_name="Nimbus", support_email=""))
    preview = template.render(template.sample_variables())
    assert preview.html == template.render({}).html == "<p>d@example.com</p>"


def test_without_a_brand_the_samples_show_as_before():
    template = compiled({})
    assert template.render(template.sample_variables()).subject == "Acme"
