"""Each Supabase action type and Clerk slug becomes the right template, recipient and
variables; the verify link is Supabase's own; a field an event lacks is named in a 422."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.errors import Unprocessable
from chalicelib.intake.sources import ClerkSource, MappedSource, SupabaseSource, all_sources

SITE = "https://abcd.supabase.co"


def supabase_event(action, **email_data):
    data = {"token": "305805", "token_hash": "hash-for-user-email", "redirect_to":
            "http://localhost:3000/welcome?x=1", "email_action_type": action, "site_url": SITE,
            "token_new": "", "token_hash_new": "", **email_data}
    return {"user": {"email": "ana@example.com", "user_metadata": {"full_name": "Ana"}},
            "email_data": data}


def link_parts(link):
    parts = urlsplit(link)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", {
        k: v[0] for k, v in parse_qs(parts.query).items()}


@pytest.mark.parametrize(("action", "template"), [
    ("signup", "confirm-signup"), ("recovery", "password-reset"), ("invite", "invite"),
    ("magiclink", "magic-link")])
def test_each_link_action_sends_its_starter_with_supabases_verify_link(action, template):
    [mail] = SupabaseSource().sends(supabase_event(action))
    assert (mail.to, mail.template) == ("ana@example.com", template)
    base, query = link_parts(mail.variables["link"])
    assert base == f"{SITE}/auth/v1/verify"
    assert query == {"token": "hash-for-user-email", "type": action,
                     "redirect_to": "http://localhost:3000/welcome?x=1"}
    # offered where the template declares them: the code fallback and the greeting
    assert mail.offered == {"user_name": "Ana", "code": "305805"}


def test_reauthentication_sends_the_code_alone():
    [mail] = SupabaseSource().sends(supabase_event("reauthentication", token_hash=""))
    assert (mail.template, mail.variables) == ("verification-code", {"code": "305805"})


def test_secure_email_change_mails_both_addresses_with_supabases_swapped_pairs():
    event = supabase_event("email_change", token="111111", token_hash="hash-for-new",
                           token_new="222222", token_hash_new="hash-for-current")
    event["user"]["new_email"] = "ana.new@example.com"
    current, new = SupabaseSource().sends(event)
    assert (current.to, current.part, current.offered["code"]) == (
        "ana@example.com", "current", "111111")
    assert link_parts(current.variables["link"])[1]["token"] == "hash-for-current"
    assert (new.to, new.part, new.offered["code"]) == ("ana.new@example.com", "new", "222222")
    assert link_parts(new.variables["link"])[1]["token"] == "hash-for-new"
    assert {current.template, new.template} == {"email-change"}
    assert current.offered["new_email"] == "ana.new@example.com"


def test_email_change_without_secure_change_mails_the_new_address_once():
    event = supabase_event("email_change", token_hash="hash-for-new")
    event["user"]["new_email"] = "ana.new@example.com"
    [mail] = SupabaseSource().sends(event)
    assert (mail.to, mail.part) == ("ana.new@example.com", "")
    assert link_parts(mail.variables["link"])[1] == {
        "token": "hash-for-new", "type": "email_change",
        "redirect_to": "http://localhost:3000/welcome?x=1"}


@pytest.mark.parametrize(("change", "field"), [
    ({"email_action_type": "password_changed_notification"}, "email_data.email_action_type"),
    ({"token_hash": ""}, "email_data.token_hash"),
    ({"site_url": None}, "email_data.site_url")])
def test_an_event_missing_what_its_mail_needs_is_refused_naming_the_field(change, field):
    event = supabase_event("signup")
    event["email_data"].update(change)
    with pytest.raises(Unprocessable) as refused:
        SupabaseSource().sends(event)
    assert refused.value.field == field


def test_an_event_without_a_recipient_is_refused_naming_it():
    with pytest.raises(Unprocessable) as refused:
        SupabaseSource().sends({"user": {}, "email_data": supabase_event("signup")["email_data"]})
    assert refused.value.field == "user.email"


def test_supabases_codes_and_hashes_are_the_values_to_keep_out_of_logs():
    event = supabase_event("email_change", token_new="222222", token_hash_new="hash-2")
    assert set(SupabaseSource().secrets_of(event)) == {
        "305805", "hash-for-user-email", "222222", "hash-2"}


def clerk_event(slug, data, kind="email.created"):
    return {"type": kind, "object": "event", "data": {
        "id": "ema_1", "slug": slug, "to_email_address": "bo@example.com", "data": data}}


@pytest.mark.parametrize(("slug", "data", "template", "variables"), [
    ("verification_code", {"otp_code": "123456"}, "otp-code", {"code": "123456"}),
    ("reset_password_code", {"otp_code": "654321"}, "verification-code", {"code": "654321"}),
    ("magic_link_sign_in", {"magic_link": "https://x.clerk/ml"}, "magic-link",
     {"link": "https://x.clerk/ml"}),
    ("magic_link_sign_up", {"magic_link": "https://x.clerk/su"}, "magic-link",
     {"link": "https://x.clerk/su"}),
    ("magic_link_user_profile", {"magic_link": "https://x.clerk/up"}, "magic-link",
     {"link": "https://x.clerk/up"}),
    ("invitation", {"action_url": "https://x.clerk/inv"}, "invite", {"link": "https://x.clerk/inv"}),
    ("organization_invitation", {"action_url": "https://x.clerk/org"}, "invite",
     {"link": "https://x.clerk/org"}),
])
def test_each_clerk_slug_sends_its_starter(slug, data, template, variables):
    [mail] = ClerkSource().sends(clerk_event(slug, {**data, "app": {"name": "Acme"}}))
    assert (mail.to, mail.template, mail.variables) == ("bo@example.com", template, variables)


def test_other_clerk_events_and_unknown_slugs_are_ignored():
    assert ClerkSource().sends(clerk_event("verification_code", {}, kind="user.created")) == []
    assert ClerkSource().sends(clerk_event("passkey_added", {})) == []


def test_a_clerk_code_event_without_its_code_is_refused_naming_it():
    with pytest.raises(Unprocessable) as refused:
        ClerkSource().sends(clerk_event("verification_code", {}))
    assert refused.value.field == "data.data.otp_code"


def test_a_mapped_source_picks_the_template_per_event_and_reads_paths():
    source = MappedSource("acme", {
        "to": "data.emails.0.address", "template_field": "type",
        "templates": {"user.created": "welcome"},
        "variables": {"user_name": "data.first_name", "getting_started_link": "data.url",
                      "absent": "data.nothing"}})
    event = {"type": "user.created", "data": {"emails": [{"address": "cy@example.com"}],
                                              "first_name": "Cy", "url": "https://a.example"}}
    [mail] = source.sends(event)
    assert (mail.to, mail.template, mail.variables) == (
        "cy@example.com", "welcome", {"user_name": "Cy", "getting_started_link": "https://a.example"})
    assert source.sends({**event, "type": "user.deleted"}) == []
    with pytest.raises(Unprocessable) as refused:
        source.sends({"type": "user.created", "data": {}})
    assert refused.value.field == "data.emails.0.address"


def test_mappings_come_from_config_and_bad_ones_are_named():
    sources = all_sources(json.dumps({"acme": {"to": "email", "template": "welcome"}}))
    assert [(name, s.kind) for name, s in sources.items()] == [
        ("supabase", "builtin"), ("clerk", "builtin"), ("acme", "mapped")]
    assert list(all_sources("")) == ["supabase", "clerk"]
    for bad in ({"acme": {"template": "welcome"}}, {"acme": {"to": "email"}},
                {"supabase": {"to": "email", "template": "x"}}):
        with pytest.raises(ValueError, match="acme|supabase"):
            all_sources(json.dumps(bad))
