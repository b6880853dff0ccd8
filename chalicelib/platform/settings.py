"""Typed settings, read once from the environment (the stage's env vars).

Every tunable lives here so no other module reads os.environ.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from email.utils import parseaddr
from functools import lru_cache
from typing import Mapping


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    stage: str = "dev"
    region: str = "us-east-1"
    template_bucket: str = "herald-dev-templates"
    send_queue_url: str = ""
    dlq_url: str = ""
    message_log_table: str = "herald-dev-message-log"
    idempotency_table: str = "herald-dev-idempotency"
    rate_limit_table: str = "herald-dev-rate-limits"
    suppression_table: str = "herald-dev-suppressions"
    outbox_table: str = "herald-dev-outbox"
    ses_configuration_set: str = "herald-dev"
    default_sender: str = "Herald <no-reply@example.com>"
    # The SES identity's domain; empty: the default sender's (infra verifies that one)
    sending_domain: str = ""
    default_locale: str = "en"
    auth_rate_limit_per_hour: int = 10
    max_send_rate: float = 20.0  # the account's SES quota (mails/s), shared by all consumers
    consumer_max_concurrency: int = 2  # the SQS mapping's MaximumConcurrency
    send_threads: int = 10
    visibility_timeout_s: int = 60  # the send queue's; AWS advises 6x the consumer's timeout
    # A claim's lease outlives its invocation by this much, and a mail whose lease ran
    # out without a record waits `send_evidence_grace_s` more for SES's Send event
    # before another consumer may send it again.
    lease_margin_s: int = 2
    send_evidence_grace_s: int = 45
    retry_base_s: int = 30
    retry_max_s: int = 900
    report_batch_item_failures: bool = False
    render_timeout_ms: int = 1000
    render_max_bytes: int = 512_000
    max_request_bytes: int = 256 * 1024
    message_log_ttl_days: int = 30
    idempotency_ttl_s: int = 24 * 3600
    outbox_ttl_s: int = 24 * 3600
    reconcile_after_s: int = 10  # an outbox item this old lost its API request: enqueue it
    local_mode: bool = False
    # "off" only in the local stack and tests; any other value enforces staff groups
    auth_mode: str = "cognito"
    admin_origin: str = ""  # the admin UI's origin, the only one CORS allows
    cognito_user_pool_arn: str = ""
    metrics_namespace: str = "Herald"
    # StartMessageMoveTask for POST /dlq/redrive; off (or local_mode) where SQS lacks it
    redrive_move_task: bool = True
    redrive_max_messages: int = 500  # per request, to stay inside the Lambda timeout
    alert_topic_arn: str = ""  # the admin topic forward_alarm publishes to
    # Cognito's custom email sender: the KMS key Cognito encrypts codes with, the KMS
    # HMAC key the idempotency keys are made with, and a JSON object overriding the
    # trigger -> template mapping (chalicelib/intake/cognito.py)
    cognito_key_arn: str = ""
    cognito_mac_key_id: str = ""
    cognito_templates: str = ""
    # Welcome mail from the users table's stream (chalicelib/intake/stream.py). The
    # table's name is for the local stack; deployed handlers read it from each record.
    users_table: str = "herald-dev-users"
    welcome_template: str = "welcome"
    welcome_email_attribute: str = "email"
    # item attribute -> template variable, as JSON; the target "locale" is the mail's locale
    welcome_attributes: str = '{"name": "user_name", "locale": "locale"}'
    welcome_variables: str = "{}"  # JSON: variables every welcome carries (attributes win)
    # Webhook intake (POST /hooks/{source}): sources beyond supabase and clerk, as JSON
    # (README, "Identity providers and webhooks"); secrets live in SSM, never here
    hook_mappings: str = ""
    hook_max_body_bytes: int = 64 * 1024
    hook_secret_ttl_s: int = 300
    # Outbound delivery webhooks (chalicelib/webhooks/)
    webhooks_table: str = "herald-dev-webhooks"
    webhooks_queue_url: str = ""
    webhook_max_attempts: int = 8  # the webhooks queue's maxReceiveCount: then its DLQ
    webhook_disable_after: int = 10  # consecutive failed attempts that disable an endpoint
    webhook_connect_timeout_s: float = 3.0
    webhook_read_timeout_s: float = 5.0
    webhook_retry_base_s: int = 10
    webhook_retry_max_s: int = 900
    webhook_deliveries_kept: int = 50  # per endpoint, for GET /webhooks/{name}/deliveries
    webhook_delivery_ttl_days: int = 7
    # Notifications to users (chalicelib/notifications/): user profiles live in the users
    # table above; POST /notifications publishes to the topic, whose subscriptions filter
    # on the `channel` attribute into each channel's queue
    preferences_table: str = "herald-dev-preferences"
    notification_types_table: str = "herald-dev-notification-types"
    notifications_topic_arn: str = ""
    # One-click unsubscribe and the preference page (chalicelib/unsubscribe/): the base of
    # the links in notification mail (the stage's API URL or custom domain, https; the
    # local stack sets its own http://127.0.0.1:PORT), and how long a link keeps working.
    # The signing key lives in SSM (/herald/<stage>/unsubscribe-key), never here.
    public_base_url: str = ""
    unsubscribe_link_days: int = 400
    # SMS (chalicelib/delivery/channels/sms.py): its queue and DLQ, the hourly limit per
    # number for auth SMS, the sender id shown where the country allows one (empty: none),
    # and the account's SNS SMS rate (messages/s) shared by the SMS consumers
    sms_queue_url: str = ""
    sms_dlq_url: str = ""
    sms_auth_rate_limit_per_hour: int = 5
    sms_sender_id: str = ""
    sms_max_send_rate: float = 10.0
    # Scanner-safe links (chalicelib/links/): the gateway's table (its links are made
    # under public_base_url above) and how long a link lives when the send names no
    # expires_at and its template no link_ttl_s
    links_table: str = "herald-dev-links"
    link_ttl_s: int = 24 * 3600
    # The brand every mail shows (chalicelib/templating/brand.py): the product name, the
    # support address and the logo's https URL, given to templates as the variables
    # product_name, support_email and logo_url; empty: left out. Test sends from the
    # admin UI have their own hourly limit, per staff member and per recipient, so they
    # never spend a recipient's real auth-mail limit.
    brand_name: str = "Herald"
    support_email: str = ""
    logo_url: str = ""
    test_send_limit_per_hour: int = 20

    @property
    def sender_domain(self) -> str:
        """The only domain a template's sender may use: the stage's sending identity."""
        domain = self.sending_domain or parseaddr(self.default_sender)[1].rpartition("@")[2]
        return domain.strip().lower()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build from `HERALD_<FIELD>` env vars; unset ones keep their defaults."""
        values = {}
        for field in fields(cls):
            raw = environ.get(f"HERALD_{field.name.upper()}")
            if raw is None:
                continue
            kind = type(field.default)
            values[field.name] = _flag(raw) if kind is bool else kind(raw)
        if "region" not in values and environ.get("AWS_REGION"):
            values["region"] = environ["AWS_REGION"]
        return cls(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (Lambda env vars do not change in a container)."""
    return Settings.from_env(os.environ)


def send_queue_name() -> str:
    """The queue the SQS handler is wired to at deploy time (set by the deploy script)."""
    return os.environ.get("HERALD_SEND_QUEUE_NAME", "herald-dev-send")


def feedback_topic_name() -> str:
    """The SNS topic SES publishes its events to (set by the deploy script)."""
    return os.environ.get("HERALD_FEEDBACK_TOPIC_NAME", "herald-dev-ses-events")


def feedback_queue_name() -> str:
    """The SQS queue SES's events reach through SNS (set by the deploy script)."""
    return os.environ.get("HERALD_FEEDBACK_QUEUE_NAME", "herald-dev-ses-events")


def consumer_max_concurrency() -> int:
    """How many consumers the send queue's mapping may run at once (AWS allows 2-1000)."""
    return max(2, int(os.environ.get("HERALD_CONSUMER_MAX_CONCURRENCY", "2")))


def alarm_topic_name() -> str:
    """The SNS topic CloudWatch alarms publish to (set by the deploy script)."""
    return os.environ.get("HERALD_ALARM_TOPIC_NAME", "herald-dev-alarms")


def users_stream_arn() -> str:
    """The users table's stream the welcome handler is wired to (set by the deploy
    script from the stack's output, or the stage's existing table)."""
    return os.environ.get(
        "HERALD_USERS_STREAM_ARN",
        "arn:aws:dynamodb:us-east-1:123456789012:table/herald-dev-users/stream/local")


def webhooks_queue_name() -> str:
    """The queue the webhook sender is wired to (set by the deploy script)."""
    return os.environ.get("HERALD_WEBHOOKS_QUEUE_NAME", "herald-dev-webhooks")


def message_log_stream_arn() -> str:
    """The message log's stream, which the webhook fan-out reads (set by the deploy script)."""
    return os.environ.get("HERALD_MESSAGE_LOG_STREAM_ARN",
                          "arn:aws:dynamodb:us-east-1:123456789012:table/herald-dev-message-log"
                          "/stream/1970-01-01T00:00:00.000")


def notifications_topic_name() -> str:
    """POST /notifications publishes here; subscriptions filter on `channel`."""
    return f"herald-{os.environ.get('HERALD_STAGE', 'dev')}-notifications"


def sms_queue_name() -> str:
    """The queue the SMS consumer is wired to (set by the deploy script)."""
    return os.environ.get("HERALD_SMS_QUEUE_NAME", "herald-dev-sms")
