"""The email channel: renders the pinned template, builds raw MIME, sends it through SES v2.

Raw MIME lets Herald set its own Message-ID and headers (List-Unsubscribe)
and keeps text and HTML as one multipart/alternative. A notification mail for a
user and one of their notification types (the envelope's audience) gets its
signed unsubscribe links here, at send time: the List-Unsubscribe headers, and
the template variables `unsubscribe_url` and `preferences_url` when the
template declares them. Auth mail never carries them.
"""
from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.addresses import Address, parse_address
from chalicelib.delivery.channels import SendFailed, classify_send_error
from chalicelib.delivery.channels.mime import build_mime
from chalicelib.links.issuer import CannotMakeLinks, LinkIssuer
from chalicelib.messages.envelope import EMAIL, Audience, Envelope
from chalicelib.platform.aws import SES_CALL_BUDGET_S
from chalicelib.templating.cache import TemplateCache
from chalicelib.unsubscribe.links import MailLinks

# Errors that are about this one message: retrying cannot help.
PERMANENT_SES_ERRORS = {"MessageRejected", "BadRequestException", "InvalidParameterValue",
                        "AccountSuspendedException", "MailFromDomainNotVerifiedException"}
THROTTLING_ERRORS = {"Throttling", "ThrottlingException", "TooManyRequestsException",
                     "LimitExceededException", "SendingPausedException"}
def classify(exc: Exception) -> SendFailed:
    """What an SES error means: by the error's kind, never by guessing from its text."""
    return classify_send_error(exc, "SES", PERMANENT_SES_ERRORS, THROTTLING_ERRORS)


class SesTransport:
    def __init__(self, sesv2: Any, configuration_set: str | None) -> None:
        self.ses = sesv2
        self.configuration_set = configuration_set

    def send(self, raw: bytes, sender: str, to: str, herald_id: str) -> str:
        """Send once and return SES's message id, or raise SendFailed."""
        args: dict[str, Any] = {
            # the bare address: SES wants it in ASCII; the From header keeps the name
            "FromEmailAddress": parseaddr(sender)[1] or sender,
            "Destination": {"ToAddresses": [to]},
            "Content": {"Raw": {"Data": raw}},
            "EmailTags": [{"Name": "herald_message_id", "Value": herald_id}],
        }
        if self.configuration_set:
            args["ConfigurationSetName"] = self.configuration_set
        try:
            return self.ses.send_email(**args)["MessageId"]
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc) from None


class LinkSource(Protocol):
    """chalicelib/unsubscribe/links.py's LinkMaker."""

    def for_audience(self, audience: Audience) -> MailLinks: ...


@dataclass(frozen=True)
class PreparedEmail:
    raw: bytes
    sender: str
    to: str


class EmailChannel:
    """Implements chalicelib.delivery.channels.Channel for mail sent through SES."""

    name = EMAIL
    call_budget_s = SES_CALL_BUDGET_S
    provider_id_field = "ses_message_id"

    def __init__(self, cache: TemplateCache, transport: SesTransport,
                 default_sender: str, links: LinkSource,
                 gateway: LinkIssuer | None = None) -> None:
        self.cache = cache
        self.transport = transport
        self.default_sender = default_sender
        self.links = links  # unsubscribe and preference links (notification mail)
        self.gateway = gateway  # scanner-safe links (variables declared "link": true)

    def recipient(self, to: str) -> Address:
        return parse_address(to)

    def prepare(self, message: Envelope) -> PreparedEmail:
        """Render the template versions the API checked and build the MIME message; link
        variables become gateway links here (recorded before the mail exists)."""
        body = message.body
        compiled = self.cache.pinned(body["template"], body["version"], body.get("pins"))
        variables, links = message.variables, None
        if message.audience is not None and compiled.doc.category == "notification":
            links = self.links.for_audience(message.audience)
            variables = {**variables, **links.variables(compiled.variables)}
        if compiled.link_names:
            if self.gateway is None:
                raise CannotMakeLinks("this consumer has no link gateway")
            variables = self.gateway.substitute(
                message.message_id, variables, compiled.link_names, message.link_seed,
                message.expires_at, compiled.doc.link_ttl_s, compiled.doc.link_single_use)
        mail = compiled.render(variables, body.get("locale"))
        sender = compiled.doc.sender or self.default_sender
        raw = build_mime(mail, body["to"], sender, compiled.doc.reply_to, message.message_id,
                         unsubscribe_url=links and links.unsubscribe_url)
        return PreparedEmail(raw, sender, body["to"])

    def send(self, prepared: PreparedEmail, message_id: str) -> str:
        return self.transport.send(prepared.raw, prepared.sender, prepared.to, message_id)
