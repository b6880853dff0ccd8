"""The template manager over HTTP: versions, checks, concurrency, preview, layouts, locales."""
from __future__ import annotations

import boto3
from helpers import OTP, body, post, put_template

LAYOUT = {"category": "layout", "html": "<html><body><h1>{{ brand }}</h1>{% block content %}"
          "{% endblock %}</body></html>",
          "variables": {"brand": {"required": False, "default": "Acme"}}}


def _save(client, name="otp", template=None, **changes):
    response = put_template(client, name, {**(template or OTP), **changes})
    assert response.status_code == 200, response.body
    return body(response)["version_id"]


def test_save_get_list_and_versions_newest_first(client):
    first = _save(client)
    second = _save(client, subject="New subject {{ product }}")
    latest = body(client.http.get("/templates/otp"))
    assert latest["version_id"] == second and latest["subject"] == "New subject {{ product }}"
    old = body(client.http.get(f"/templates/otp?version={first}"))
    assert old["subject"] == OTP["subject"] and old["version_id"] == first
    versions = body(client.http.get("/templates/otp/versions"))["versions"]
    assert [v["version_id"] for v in versions] == [second, first]
    assert all(v["size"] > 0 and v["author"] == "local" for v in versions)
    listed = body(client.http.get("/templates"))["templates"]
    assert listed == [{"name": "otp", "category": "auth", "description": "one-time code",
                       "channel": "email", "tags": {}, "version_id": second,
                       "updated_at": listed[0]["updated_at"]}]


def test_stored_object_is_tagged_and_encrypted(client, aws):
    version = _save(client)
    s3 = boto3.client("s3")
    key = {"Bucket": aws.template_bucket, "Key": "templates/otp.json", "VersionId": version}
    tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(**key)["TagSet"]}
    assert tags["Name"] == "otp" and tags["Type"] == "template" and tags["Environment"] == "dev"
    assert s3.head_object(**key)["ServerSideEncryption"] == "AES256"


def test_unknown_template_and_version_are_404(client):
    assert client.http.get("/templates/nope").status_code == 404
    _save(client)
    response = client.http.get("/templates/otp?version=not-a-version")
    assert response.status_code == 404
    assert body(response)["error"]["field"] == "version"


def test_stale_base_version_is_409_and_both_versions_survive(client):
    base = _save(client)
    theirs = _save(client, base_version=base, subject="Theirs {{ product }}")
    response = put_template(client, "otp", {**OTP, "base_version": base, "subject": "Mine"})
    assert response.status_code == 409
    assert body(response)["error"]["field"] == "base_version"
    history = body(client.http.get("/templates/otp/versions"))["versions"]
    versions = [v["version_id"] for v in history]
    assert versions == [theirs, base]
    assert body(client.http.get("/templates/otp"))["subject"] == "Theirs {{ product }}"
    retried = put_template(client, "otp", {**OTP, "base_version": theirs, "subject": "Mine"})
    assert retried.status_code == 200


def test_saving_unchanged_content_answers_the_latest_version_without_a_new_one(client):
    first = put_template(client, "otp", OTP)
    assert body(first)["unchanged"] is False
    again = put_template(client, "otp", {**OTP, "base_version": body(first)["version_id"]})
    assert again.status_code == 200
    assert body(again)["version_id"] == body(first)["version_id"]
    assert body(again)["unchanged"] is True
    changed = put_template(client, "otp", {**OTP, "description": "another description"})
    assert body(changed)["unchanged"] is False
    # back to the first content: a change against the latest, so a new version
    reverted = put_template(client, "otp", OTP)
    assert body(reverted)["unchanged"] is False
    history = body(client.http.get("/templates/otp/versions"))["versions"]
    assert len(history) == 3
    # a stale base version with content equal to the latest overwrites nothing: no 409
    same_as_latest = put_template(client, "otp", {**OTP, "base_version": body(first)["version_id"]})
    assert same_as_latest.status_code == 200
    assert body(same_as_latest)["version_id"] == body(reverted)["version_id"]


def test_an_unchanged_save_of_a_deleted_template_brings_it_back(client):
    _save(client)
    assert client.http.delete("/templates/otp").status_code == 204
    response = put_template(client, "otp", OTP)
    assert body(response)["unchanged"] is False
    assert client.http.get("/templates/otp").status_code == 200


def test_rollback_restores_old_content_as_newest(client):
    first = _save(client)
    _save(client, subject="Broken subject")
    response = post(client, "/templates/otp/rollback", {"version_id": first})
    assert response.status_code == 200
    restored = body(response)["version_id"]
    latest = body(client.http.get("/templates/otp"))
    assert latest["version_id"] == restored != first
    assert latest["subject"] == OTP["subject"]
    assert len(body(client.http.get("/templates/otp/versions"))["versions"]) == 3
    assert post(client, "/templates/otp/rollback", {}).status_code == 400


def test_diff_is_unified(client):
    first = _save(client)
    second = _save(client, subject="Changed {{ product }}")
    diff = body(client.http.get(f"/templates/otp/diff?from={first}&to={second}"))["diff"]
    assert f"--- otp@{first}" in diff and f"+++ otp@{second}" in diff
    assert "-subject: Your code for {{ product }}" in diff
    assert "+subject: Changed {{ product }}" in diff
    assert client.http.get("/templates/otp/diff").status_code == 400


def test_delete_keeps_history(client):
    first = _save(client)
    assert client.http.delete("/templates/otp").status_code == 204
    assert client.http.get("/templates/otp").status_code == 404
    assert body(client.http.get("/templates"))["templates"] == []
    assert client.http.get(f"/templates/otp?version={first}").status_code == 200
    assert client.http.delete("/templates/otp").status_code == 404


def test_save_time_checks_name_field_and_line(client):
    cases = [
        ("Bad_Name", OTP, "name"),
        ("otp", {**OTP, "html": "<p>\n{% if %}</p>"}, "html"),
        ("otp", {**OTP, "html": "<p>ok</p>\n<p>{{ undeclared }}</p>"}, "html"),
        ("otp", {**OTP, "subject": None}, "subject"),
        ("otp", {**OTP, "category": "marketing"}, "category"),
        ("otp", {**OTP, "variables": {"code": {"required": "yes"}}}, "variables.code.required"),
        ("otp", {**OTP, "colour": "red"}, "colour"),
        ("otp", {**OTP, "html": "{{ name + 1 }}"}, "html"),
    ]
    for name, template, field in cases:
        response = put_template(client, name, template)
        assert response.status_code == 400, (field, response.body)
        assert body(response)["error"]["field"] == field, response.body
    syntax = body(put_template(client, "otp", {**OTP, "html": "<p>\n{% if %}</p>"}))["error"]
    assert syntax["line"] == 2 and "line 2" in syntax["message"]
    undeclared = body(put_template(client, "otp", {**OTP, "html": "a\n{{ undeclared }}"}))
    assert undeclared["error"]["line"] == 2 and "undeclared" in undeclared["error"]["message"]
    assert client.http.get("/templates/otp").status_code == 404


def test_malformed_json_is_400(client):
    response = client.http.put("/templates/otp", body="{not json",
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and body(response)["error"]["field"] == "body"


SSTI = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''|attr('__class__') }}",
    "{{ '{0.__class__}'.format(name) }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ name.__class__.__base__.__subclasses__() }}",
    "{% set x = namespace() %}{{ x.__init__.__globals__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ 'a' * 100000000 }}",
    "{{ 99 ** 99 ** 99 }}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% for i in range(99999) %}{{ 'xxxxxxxxxxxxxxxx' }}{% endfor %}",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
]


def test_template_injection_and_resource_attacks_are_refused_without_leaks(client):
    for attack in SSTI:
        response = put_template(client, "evil", {**OTP, "html": attack})
        assert response.status_code in (400, 422), (attack, response.body)  # 422: a bound
        text = response.body.decode()
        for leak in ("<class", "subclasses", "__globals__", "Traceback", "os.py", "object at"):
            assert leak not in text, (attack, text)
        draft = post(client, "/preview", {"template": {**OTP, "html": attack}})
        assert draft.status_code in (400, 422), (attack, draft.body)
    assert client.http.get("/templates/evil").status_code == 404


def test_preview_draft_escapes_html_but_not_text(client):
    response = post(client, "/preview", {
        "template": {**OTP, "text": "Code {{ code }} for {{ name }}"},
        "variables": {"name": "<script>x</script>"}})
    assert response.status_code == 200
    preview = body(response)
    assert "&lt;script&gt;" in preview["html"] and "<script>" not in preview["html"]
    assert preview["text"] == "Code 123456 for <script>x</script>"
    assert preview["subject"] == "Your code for Herald"


def test_preview_saved_version_with_sample_and_given_values(client):
    first = _save(client)
    _save(client, subject="Second")
    response = post(client, "/templates/otp/preview", {"version_id": first,
                                                       "variables": {"name": "Zoe"}})
    assert response.status_code == 200
    preview = body(response)
    assert preview["subject"] == "Your code for Herald" and "Hello Zoe" in preview["html"]
    assert "Hello Zoe, your code is 123456" in preview["text"]
    bad = post(client, "/templates/otp/preview", {"variables": {"nope": 1}})
    assert bad.status_code == 422 and body(bad)["error"]["field"] == "variables.nope"
    assert post(client, "/templates/none/preview", {}).status_code == 404


def test_layouts_are_extended_and_must_be_layouts(client):
    _save(client, "base", LAYOUT)
    _save(client, "welcome", {**OTP, "html": "{% extends 'base' %}{% block content %}"
                                             "<p>Hi {{ name }}</p>{% endblock %}"})
    preview = body(post(client, "/templates/welcome/preview", {}))
    assert "<h1>Acme</h1>" in preview["html"] and "<p>Hi Ana</p>" in preview["html"]
    _save(client, "base", {**LAYOUT, "html": LAYOUT["html"].replace("h1", "h2")})
    assert "<h2>Acme</h2>" in body(post(client, "/templates/welcome/preview", {}))["html"]
    _save(client, "otp")
    refused = put_template(client, "child", {**OTP, "html": "{% extends 'otp' %}"})
    assert refused.status_code == 400 and "not a layout" in body(refused)["error"]["message"]
    missing = put_template(client, "child", {**OTP, "html": "{% extends 'ghost' %}"})
    assert missing.status_code == 400


def test_locale_variants_fall_back_to_default(client):
    _save(client, template={**OTP, "locales": {"pt-BR": {"subject": "Seu código",
                                                          "html": "<p>Olá {{ name }}</p>"}}})
    def preview(locale):
        return body(post(client, "/templates/otp/preview", {"locale": locale}))
    assert preview("pt-BR")["subject"] == "Seu código" and "Olá Ana" in preview("pt-BR")["html"]
    assert preview("pt-BR")["locale"] == "pt-BR"
    assert preview("fr")["subject"] == "Your code for Herald"
    assert preview("fr")["locale"] == "en"
