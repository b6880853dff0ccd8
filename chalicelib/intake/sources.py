"""What each source's events mean: who gets which template with which variables.

Built in: `supabase` (the Send Email Hook) and `clerk` (`email.created`
events). Any other source is described by a mapping in the stage's config
(`HERALD_HOOK_MAPPINGS`, JSON). A field an event lacks is a 422 naming it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlencode

from chalicelib.errors import Unprocessable
from chalicelib.platform import logs

BUILTIN = "builtin"
MAPPED = "mapped"


@dataclass(frozen=True)
class Outgoing:
    """One mail an event asks for. `offered` variables are sent only where the
    template declares them (a team may trim a starter); `part` tells the mails
    of one event apart (an email change mails both addresses)."""

    to: str
    template: str
    variables: dict[str, Any]
    part: str = ""
    offered: dict[str, Any] = field(default_factory=dict)


def value_at(event: Any, path: str, required: bool = True) -> Any:
    """The value at a dotted path (`data.email_addresses.0.email_address`); a missing or
    empty required one is a 422 naming the path."""
    value = event
    for step in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            value = None
        if value is None:
            break
    if required and (value is None or value == ""):
        raise Unprocessable(f"the event has no {path}", field=path, code="unmappable_event")
    return value


def _text(event: Any, path: str, required: bool = True) -> str:
    value = value_at(event, path, required)
    if value is not None and not isinstance(value, str):
        raise Unprocessable(f"{path} must be a string", field=path, code="unmappable_event")
    return value or ""


class SupabaseSource:
    """Supabase Auth's Send Email Hook
    (supabase.com/docs/guides/auth/auth-hooks/send-email-hook)."""

    name = "supabase"
    kind = BUILTIN
    error_style = "supabase"  # {"error": {"http_code", "message"}}
    TEMPLATES = {"signup": "confirm-signup", "recovery": "password-reset", "invite": "invite",
                 "magiclink": "magic-link", "email_change": "email-change",
                 "reauthentication": "verification-code"}
    SECRET_FIELDS = ("token", "token_hash", "token_new", "token_hash_new")

    def secrets_of(self, event: Any) -> list[str]:
        data = event.get("email_data") if isinstance(event, Mapping) else None
        return [str(data[f]) for f in self.SECRET_FIELDS
                if isinstance(data, Mapping) and data.get(f)]

    def sends(self, event: Any) -> list[Outgoing]:
        action = _text(event, "email_data.email_action_type")
        template = self.TEMPLATES.get(action)
        if template is None:
            raise Unprocessable(f"email_data.email_action_type {action[:40]!r} has no template",
                                field="email_data.email_action_type", code="unmappable_event")
        email = _text(event, "user.email")
        offered = {"user_name": _user_name(event)}
        if action == "reauthentication":
            code = _text(event, "email_data.token")
            return [Outgoing(email, template, {"code": code}, offered=offered)]
        if action == "email_change":
            return self._email_change(event, template, offered)
        link = self.verify_link(event, _text(event, "email_data.token_hash"), action)
        offered["code"] = _text(event, "email_data.token", required=False) or None
        return [Outgoing(email, template, {"link": link}, offered=offered)]

    @staticmethod
    def verify_link(event: Any, token_hash: str, action: str) -> str:
        """`{site_url}/auth/v1/verify?token=...&type=...&redirect_to=...`, as Supabase's
        own mails link (site_url is the project's API URL in the hook's payload)."""
        site = _text(event, "email_data.site_url").rstrip("/")
        query = {"token": token_hash, "type": action}
        redirect = _text(event, "email_data.redirect_to", required=False)
        if redirect:
            query["redirect_to"] = redirect
        return f"{site}/auth/v1/verify?{urlencode(query)}"

    def _email_change(self, event: Any, template: str,
                      offered: dict[str, Any]) -> list[Outgoing]:
        """Supabase's historical pairing: `token` goes with `token_hash_new` (current
        address) and `token_new` with `token_hash` (new address). With Secure Email
        Change both addresses get a mail; without it only the new one does."""
        current = _text(event, "user.email")
        new = (_text(event, "user.new_email", required=False)
               or _text(event, "user.email_new", required=False))
        if not new:
            raise Unprocessable("the event has no user.new_email", field="user.new_email",
                                code="unmappable_event")
        token, token_new = (_text(event, f"email_data.{f}", required=False)
                            for f in ("token", "token_new"))
        hash_for_new = _text(event, "email_data.token_hash")
        hash_for_current = _text(event, "email_data.token_hash_new", required=False)
        offered = {**offered, "new_email": new}
        if not hash_for_current:
            return [Outgoing(new, template, {"link": self.verify_link(
                event, hash_for_new, "email_change")}, offered={
                **offered, "code": token_new or token or None})]
        return [
            Outgoing(current, template, {"link": self.verify_link(
                event, hash_for_current, "email_change")}, part="current",
                offered={**offered, "code": token or None}),
            Outgoing(new, template, {"link": self.verify_link(
                event, hash_for_new, "email_change")}, part="new",
                offered={**offered, "code": token_new or None}),
        ]


def _user_name(event: Any) -> str | None:
    metadata = value_at(event, "user.user_metadata", required=False)
    if not isinstance(metadata, Mapping):
        return None
    name = metadata.get("full_name") or metadata.get("name")
    return name if isinstance(name, str) and name else None


class ClerkSource:
    """Clerk's `email.created` events (with Clerk's own delivery turned off per template)."""

    name = "clerk"
    kind = BUILTIN
    error_style = "herald"
    # slug -> (template, variable -> field of data.data)
    SLUGS = {
        "verification_code": ("otp-code", {"code": "otp_code"}),
        "reset_password_code": ("verification-code", {"code": "otp_code"}),
        "magic_link_sign_in": ("magic-link", {"link": "magic_link"}),
        "magic_link_sign_up": ("magic-link", {"link": "magic_link"}),
        "magic_link_user_profile": ("magic-link", {"link": "magic_link"}),
        "invitation": ("invite", {"link": "action_url"}),
        "organization_invitation": ("invite", {"link": "action_url"}),
    }
    SECRET_FIELDS = ("otp_code", "magic_link", "action_url")

    def secrets_of(self, event: Any) -> list[str]:
        data = value_at(event, "data.data", required=False)
        return [str(data[f]) for f in self.SECRET_FIELDS
                if isinstance(data, Mapping) and data.get(f)]

    def sends(self, event: Any) -> list[Outgoing]:
        if value_at(event, "type", required=False) != "email.created":
            return []  # user.created and the like: not a mail
        slug = _text(event, "data.slug")
        if slug not in self.SLUGS:
            logs.warning("clerk email slug has no template; ignored", slug=slug[:64])
            return []
        template, fields = self.SLUGS[slug]
        variables = {name: _text(event, f"data.data.{path}") for name, path in fields.items()}
        return [Outgoing(_text(event, "data.to_email_address"), template, variables)]


class MappedSource:
    """A source described in config:
    `{"to": "data.email", "template": "welcome"}` or, per event,
    `{"template_field": "type", "templates": {"user.created": "welcome"}}`, with
    `"variables": {"user_name": "data.first_name"}`. An event whose template field
    names no template is acknowledged and ignored."""

    kind = MAPPED
    error_style = "herald"

    def __init__(self, name: str, mapping: Mapping[str, Any]) -> None:
        self.name = name
        self.to = _config_text(name, mapping, "to")
        self.template = mapping.get("template")
        self.template_field = mapping.get("template_field")
        self.templates = mapping.get("templates") or {}
        self.variables = mapping.get("variables") or {}
        if not (isinstance(self.template, str) or (isinstance(self.template_field, str)
                                                   and isinstance(self.templates, dict))):
            raise ValueError(f"hook mapping {name!r}: give template, or template_field "
                             "with templates")
        if not isinstance(self.variables, dict) or not all(
                isinstance(path, str) for path in self.variables.values()):
            raise ValueError(f"hook mapping {name!r}: variables maps names to paths")

    def secrets_of(self, event: Any) -> list[str]:
        return []  # the templates' own secret declarations guard the variables

    def sends(self, event: Any) -> list[Outgoing]:
        template = self.template
        if self.template_field:
            template = self.templates.get(str(value_at(event, self.template_field)))
            if template is None:
                return []
        variables = {name: value for name, path in self.variables.items()
                     if (value := value_at(event, path, required=False)) is not None}
        return [Outgoing(_text(event, self.to), template, variables)]


def _config_text(name: str, mapping: Mapping[str, Any], key: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"hook mapping {name!r}: {key} must be a path")
    return value


Source = SupabaseSource | ClerkSource | MappedSource


def all_sources(mappings_json: str) -> dict[str, Source]:
    """The built-in sources and the stage's mapped ones (ValueError naming a bad mapping)."""
    sources: dict[str, Source] = {"supabase": SupabaseSource(), "clerk": ClerkSource()}
    mappings = json.loads(mappings_json) if mappings_json.strip() else {}
    if not isinstance(mappings, dict):
        raise ValueError("HERALD_HOOK_MAPPINGS is a JSON object of source -> mapping")
    for name, mapping in mappings.items():
        if name in sources or not isinstance(mapping, dict):
            raise ValueError(f"hook mapping {name!r} must be an object and not a built-in name")
        sources[name] = MappedSource(name, mapping)
    return sources
