"""The template document: its fields, their validation and stored form.

One S3 object holds one template with all its locale variants, so a single
version id pins everything a send needs.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from chalicelib.addresses import parse_address
from chalicelib.errors import BadRequest, Unprocessable
from chalicelib.messages.envelope import CHANNELS, EMAIL, SMS
from chalicelib.platform.settings import get_settings

NAME_PATTERN = re.compile(r"^[a-z0-9-]{1,64}$")
LOCALE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
VARIABLE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
CATEGORIES = ("auth", "notification", "layout")
PARTS = ("subject", "html", "text")
# An SMS is one text: no subject, no HTML, no sender or reply address.
CHANNEL_PARTS = {EMAIL: PARTS, SMS: ("text",)}
_MAIL_ONLY = ("subject", "html", "sender", "reply_to")
MAX_USER_TAGS = 6  # S3 allows 10 tags per object; Herald uses 4 of its own
# What S3 takes in a tag (ASCII letters and digits, space, + - = . _ : / @); `aws:` is AWS's
_TAG_TEXT = re.compile(r"[A-Za-z0-9 +\-=._:/@]*")
_FIELDS = {"subject", "html", "text", "description", "category", "variables", "sender",
           "reply_to", "tags", "default_locale", "locales", "rate_limit_per_hour",
           "base_version", "name", "channel", "link_ttl_s", "link_single_use"}
_VARIABLE_FIELDS = {"required", "secret", "sample", "default", "description", "link"}
# A link variable's value: an absolute http(s) URL without white space or control characters
_LINK_TARGET = re.compile(r"(?P<scheme>https?)://[^\s\x00-\x1f\x7f/?#@]+"
                          r"(?:[/?#][^\s\x00-\x1f\x7f]*)?", re.IGNORECASE)
MAX_LINK_TARGET = 2048
MAX_LINK_TTL_S = 30 * 86400
# One mailbox: `addr@domain`, or `Display Name <addr@domain>` (name quoted or a plain
# phrase). Anything else (lists, groups, comments, stray brackets) is refused.
_MAILBOX = re.compile(r'(?:(?P<name>"(?:[^"\\]|\\.)*"|[^"<>@,;:\\\[\]()]*?)\s*<(?P<angle>[^<>]+)>'
                      r'|(?P<bare>[^\s<>",;:()\[\]]+))')
# Control, format (bidi overrides), line/paragraph separators, surrogates, unassigned:
# each can break a header line or disguise the address.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


@dataclass(frozen=True)
class Variable:
    required: bool = True
    secret: bool = False
    sample: Any = None
    default: Any = None
    description: str = ""
    # sent through the scanner-safe gateway (`{public base}/l/{token}`), never as given
    link: bool = False


@dataclass(frozen=True)
class TemplateDoc:
    name: str
    html: str
    subject: str = ""
    text: str | None = None
    description: str = ""
    category: str = "notification"
    variables: dict[str, Variable] = field(default_factory=dict)
    sender: str | None = None
    reply_to: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    default_locale: str = "en"
    locales: dict[str, dict[str, str]] = field(default_factory=dict)
    rate_limit_per_hour: int | None = None
    # the gateway links of a mail: how long they live when the send names no expires_at,
    # and whether a link may be followed once only
    link_ttl_s: int | None = None
    link_single_use: bool = False
    channel: str = EMAIL

    @property
    def parts(self) -> tuple[str, ...]:
        """The parts this template's channel sends."""
        return CHANNEL_PARTS[self.channel]

    @property
    def secret_names(self) -> list[str]:
        """Variables whose values are never shown: the secret ones and the link targets."""
        return sorted(n for n, v in self.variables.items() if v.secret or v.link)

    def part(self, part: str, locale: str) -> str | None:
        """The source of `part` for `locale`, falling back to the default locale."""
        variant = self.locales.get(locale, {})
        if part in variant:
            return variant[part]
        return getattr(self, part)

    def resolve_locale(self, requested: str | None) -> str:
        """The variant a send gets: exact match, then its language, then the default."""
        if not requested or requested == self.default_locale:
            return self.default_locale
        if requested in self.locales:
            return requested
        language = requested.split("-")[0]
        if language in self.locales:
            return language
        return self.default_locale

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["variables"] = {n: _variable_dict(v) for n, v in self.variables.items()}
        for key in ("link_ttl_s", "link_single_use"):  # unset: as before links existed
            if not data[key]:
                data.pop(key)
        return data


def _variable_dict(variable: Variable) -> dict[str, Any]:
    data = asdict(variable)
    for key in ("default", "description", "link"):
        if not data[key] and data[key] is not False and data[key] != 0:
            data.pop(key)
    return data


def validate_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise BadRequest("template name must match [a-z0-9-]{1,64}", field="name")
    return name


def _text(payload: Mapping[str, Any], key: str, required: bool = False,
          max_len: int = 200_000) -> str | None:
    value = payload.get(key)
    if value is None:
        if required:
            raise BadRequest(f"{key} is required", field=key)
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key} must be a string", field=key)
    if len(value) > max_len:
        raise BadRequest(f"{key} is longer than {max_len} characters", field=key)
    return value


def _variables(raw: Any) -> dict[str, Variable]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BadRequest("variables must be an object of name -> declaration", field="variables")
    declared = {}
    for name, spec in raw.items():
        where = f"variables.{name}"
        if not VARIABLE_PATTERN.match(name):
            raise BadRequest("variable names are identifiers (letters, digits, _)", field=where)
        if not isinstance(spec, dict):
            raise BadRequest("a variable declaration is an object", field=where)
        unknown = set(spec) - _VARIABLE_FIELDS
        if unknown:
            raise BadRequest(f"unknown key {sorted(unknown)[0]!r}", field=where)
        for flag in ("required", "secret", "link"):
            if flag in spec and not isinstance(spec[flag], bool):
                raise BadRequest(f"{flag} must be true or false", field=f"{where}.{flag}")
        if spec.get("link"):
            _link_declaration(spec, where)
        declared[name] = Variable(required=spec.get("required", True),
                                  secret=spec.get("secret", False),
                                  sample=spec.get("sample"), default=spec.get("default"),
                                  description=str(spec.get("description") or ""),
                                  link=spec.get("link", False))
    return declared


def _link_declaration(spec: Mapping[str, Any], where: str) -> None:
    """A link variable shows an http(s) sample (previews and the save check render it) and
    has no default: a default target would send every mail to the same place."""
    sample = spec.get("sample")
    if not isinstance(sample, str) or not _LINK_TARGET.fullmatch(sample):
        raise BadRequest("a link variable needs a sample that is an http(s) URL",
                         field=f"{where}.sample")
    if spec.get("default") is not None:
        raise BadRequest("a link variable has no default: each send names its target",
                         field=f"{where}.default")


def check_link_target(name: str, value: Any, allow_http: bool) -> None:
    """422 naming the variable unless `value` is an absolute https URL (http too when
    `allow_http`, the local stack): the gateway redirects there, so nothing else."""
    match = _LINK_TARGET.fullmatch(value) if isinstance(value, str) else None
    if (match is None or len(value) > MAX_LINK_TARGET
            or (match["scheme"].lower() != "https" and not allow_http)):
        schemes = "an http(s)" if allow_http else "an https"
        raise Unprocessable(f"variable {name!r} is a link: it must be {schemes} URL of at "
                            f"most {MAX_LINK_TARGET} characters", field=f"variables.{name}",
                            code="invalid_link")


def _link_settings(payload: Mapping[str, Any]) -> tuple[int | None, bool]:
    ttl = payload.get("link_ttl_s")
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool)
                            or not 60 <= ttl <= MAX_LINK_TTL_S):
        raise BadRequest(f"link_ttl_s must be a number of seconds from 60 to {MAX_LINK_TTL_S}",
                         field="link_ttl_s")
    single_use = payload.get("link_single_use", False)
    if not isinstance(single_use, bool):
        raise BadRequest("link_single_use must be true or false", field="link_single_use")
    return ttl, single_use


def _locales(raw: Any, parts: tuple[str, ...] = PARTS) -> dict[str, dict[str, str]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BadRequest("locales must be an object of locale -> parts", field="locales")
    variants = {}
    holds = " and/or ".join(filter(None, (", ".join(parts[:-1]), parts[-1])))
    for locale, variant in raw.items():
        where = f"locales.{locale}"
        if not LOCALE_PATTERN.match(locale):
            raise BadRequest("a locale looks like en or pt-BR", field=where)
        if not isinstance(variant, dict) or not variant:
            raise BadRequest(f"a locale variant holds {holds}", field=where)
        for part, source in variant.items():
            if part not in parts:
                raise BadRequest(f"unknown part {part!r}", field=f"{where}.{part}")
            if not isinstance(source, str):
                raise BadRequest("must be a string", field=f"{where}.{part}")
        variants[locale] = dict(variant)
    return variants


def _channel(payload: Mapping[str, Any], category: str) -> str:
    """The template's channel; an SMS template holds text only and is never a layout."""
    channel = payload.get("channel", EMAIL)
    if channel not in CHANNELS:
        raise BadRequest(f"channel must be one of {', '.join(CHANNELS)}", field="channel")
    if channel == SMS:
        for key in _MAIL_ONLY:
            if payload.get(key) not in (None, ""):
                raise BadRequest(f"an SMS template is text only: remove {key}", field=key)
        if category == "layout":
            raise BadRequest("an SMS template cannot be a layout", field="category")
    return channel


def _tags(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > MAX_USER_TAGS:
        raise BadRequest(f"tags must be an object of at most {MAX_USER_TAGS} entries", field="tags")
    for key, value in raw.items():
        if not isinstance(value, str) or not 0 < len(key) <= 128 or len(value) > 256:
            raise BadRequest("tag keys are 1-128 and values 0-256 characters", field=f"tags.{key}")
        if not _TAG_TEXT.fullmatch(key) or not _TAG_TEXT.fullmatch(value) \
                or key.lower().startswith("aws:"):
            raise BadRequest("tags hold letters, digits, spaces and + - = . _ : / @ only "
                             "(keys not starting with aws:)", field=f"tags.{key}")
    return dict(raw)


def _ascii_domain(domain: str) -> str:
    try:
        return domain.encode("idna").decode().lower()
    except UnicodeError:
        return domain.lower()


def _mailbox(payload: Mapping[str, Any], key: str, domain: str | None = None) -> str | None:
    """One address for a From or Reply-To header, with an optional display name.

    Refused: line breaks of any kind and other control characters, RFC 2047
    encoded-words (`=?`: they decode to anything, line breaks included), lists
    of addresses, and (with `domain`) an address outside the sending identity."""
    value = _text(payload, key, max_len=320)
    if value is None or not value.strip():
        return None
    if any(unicodedata.category(char) in _UNSAFE_CATEGORIES for char in value):
        raise BadRequest(f"{key} must be one line without control characters", field=key)
    if "=?" in value:
        raise BadRequest(f"{key} must not hold an encoded-word (=?...?=); write the display "
                         "name as plain text", field=key)
    match = _MAILBOX.fullmatch(value.strip())
    if match is None:
        raise BadRequest(f"{key} must be one address, e.g. Name <no-reply@example.com>",
                         field=key)
    address = parse_address(match.group("angle") or match.group("bare"), field=key)
    if domain is not None and address.key.rpartition("@")[2] != _ascii_domain(domain):
        raise BadRequest(f"{key} must be an address at {domain}, the domain this stage "
                         "sends from", field=key)
    return value.strip()


def parse_template(name: str, payload: Any, sending_domain: str | None = None) -> TemplateDoc:
    """Validate a template body from the API or the repo; errors name the field.

    The sender must be at `sending_domain` (default: the stage's sending
    identity): SES and the consumer's IAM policy refuse any other, so such a
    template could never send."""
    sending_domain = sending_domain or get_settings().sender_domain
    validate_name(name)
    if not isinstance(payload, dict):
        raise BadRequest("body must be a JSON object", field="body")
    unknown = set(payload) - _FIELDS
    if unknown:
        raise BadRequest(f"unknown field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    category = payload.get("category", "notification")
    if category not in CATEGORIES:
        raise BadRequest(f"category must be one of {', '.join(CATEGORIES)}", field="category")
    channel = _channel(payload, category)
    is_mail = channel == EMAIL
    is_layout = category == "layout"
    subject = _text(payload, "subject", required=is_mail and not is_layout, max_len=998) or ""
    rate_limit = payload.get("rate_limit_per_hour")
    if rate_limit is not None and (not isinstance(rate_limit, int) or isinstance(rate_limit, bool)
                                   or rate_limit < 1):
        raise BadRequest("rate_limit_per_hour must be a positive integer",
                         field="rate_limit_per_hour")
    default_locale = payload.get("default_locale", "en")
    if not isinstance(default_locale, str) or not LOCALE_PATTERN.match(default_locale):
        raise BadRequest("a locale looks like en or pt-BR", field="default_locale")
    link_ttl_s, link_single_use = _link_settings(payload)
    return TemplateDoc(
        name=name,
        subject=subject,
        html=_text(payload, "html", required=is_mail) or "",
        text=_text(payload, "text", required=not is_mail),
        description=_text(payload, "description", max_len=1000) or "",
        category=category,
        variables=_variables(payload.get("variables")),
        sender=_mailbox(payload, "sender", sending_domain),
        reply_to=_mailbox(payload, "reply_to"),
        tags=_tags(payload.get("tags")),
        default_locale=default_locale,
        locales=_locales(payload.get("locales"), CHANNEL_PARTS[channel]),
        rate_limit_per_hour=rate_limit,
        channel=channel,
        link_ttl_s=link_ttl_s,
        link_single_use=link_single_use,
    )
