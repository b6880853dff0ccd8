"""templates/ folder <-> a stage: push runs the save checks, pull round-trips."""
from __future__ import annotations

import json
from pathlib import Path

from helpers import body

from chalicelib.templating.model import parse_template
from tools import templates as tool
from tools.template_files import read_all

STARTERS = Path(__file__).resolve().parents[2] / "templates"


def test_push_then_pull_round_trips_the_starter_set(client, tmp_path):
    pushed = tool.push("dev", STARTERS)
    assert set(pushed) == {"base", "otp-code", "magic-link", "login-alert", "welcome",
                           "password-reset",
                           # the Cognito sender's
                           "verify-email", "password-reset-code", "account-invite",
                           # the webhook intake's (Supabase, Clerk)
                           "confirm-signup", "invite", "email-change", "verification-code",
                           # SMS
                           "otp-sms"}
    assert pushed[0] == "base"  # layouts first: the others extend it
    listed = {t["name"] for t in body(client.http.get("/templates"))["templates"]}
    assert listed == set(pushed)
    pulled = tool.pull("dev", None, tmp_path)
    assert sorted(pulled) == sorted(pushed)
    def parsed(root):
        return {name: parse_template(name, payload) for name, payload in read_all(root).items()}
    assert parsed(tmp_path) == parsed(STARTERS)
    # the same files: an SMS template gets no empty body.html
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("body*")) == \
        sorted(p.relative_to(STARTERS) for p in STARTERS.rglob("body*"))


def test_starter_templates_render_their_samples_and_declare_secrets(client):
    tool.push("dev", STARTERS)
    for name in ("otp-code", "magic-link", "password-reset"):
        template = body(client.http.get(f"/templates/{name}"))
        assert template["category"] == "auth" and template["secret_variables"]
        preview = body(client.http.post(f"/templates/{name}/preview", body="{}",
                                        headers={"Content-Type": "application/json"}))
        assert preview["subject"] and preview["text"].strip()
        assert "<style" in preview["html"] and "viewport" in preview["html"]
    pt = client.http.post("/templates/otp-code/preview", body=json.dumps({"locale": "pt-BR"}),
                          headers={"Content-Type": "application/json"})
    assert body(pt)["locale"] == "pt-BR"
