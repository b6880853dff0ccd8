"""The composition root: builds each service on first use and keeps it.

Nothing is built at import (cold start); a route needing only S3 never
creates a DynamoDB or SES client. Tests call `reset()` between emulated
accounts.
"""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.platform import aws
from chalicelib.platform.settings import Settings, get_settings

if TYPE_CHECKING:  # named for type checkers only: each is imported on first use below
    from botocore.client import BaseClient

    from chalicelib.delivery import Consumer, Reconciler
    from chalicelib.delivery.channels import Channel
    from chalicelib.delivery.channels.email import EmailChannel
    from chalicelib.delivery.channels.sms import SmsChannel
    from chalicelib.feedback import FeedbackHandler
    from chalicelib.intake import CognitoEmailSender, HookIntake, WelcomeSender
    from chalicelib.links.gateway import LinkGateway
    from chalicelib.links.store import LinkStore
    from chalicelib.messages import ChannelTopic, SendQueue
    from chalicelib.notifications import Notifier, Profiles
    from chalicelib.operations import AlarmForwarder, QueueAdmin, SuppressionAdmin
    from chalicelib.operations.mail_finder import MailFinder
    from chalicelib.records import (
        MessageLog,
        NotificationTypes,
        Outbox,
        PreferenceStore,
        SuppressionList,
        UserStore,
    )
    from chalicelib.sending import Producer, StaffSend
    from chalicelib.templating import TemplateCache, TemplateManager, TemplateStore
    from chalicelib.unsubscribe import LinkMaker, LinkSigner, SelfService
    from chalicelib.webhooks import EndpointStore, FanOut, UrlPolicy, WebhookAdmin, WebhookSender


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _client(self, service: str, tried_once: bool = False) -> BaseClient:
        return aws.client(service, self.settings.region, tried_once)

    @cached_property
    def dynamodb(self) -> BaseClient:
        return self._client("dynamodb")

    @cached_property
    def store(self) -> TemplateStore:
        from chalicelib.templating.store import TemplateStore

        return TemplateStore(self._client("s3"), self.settings.template_bucket,
                             self.settings.stage)

    @cached_property
    def cache(self) -> TemplateCache:
        from chalicelib.templating.brand import brand_variables
        from chalicelib.templating.cache import TemplateCache
        from chalicelib.templating.renderer import RenderLimits

        limits = RenderLimits(timeout_s=self.settings.render_timeout_ms / 1000,
                              max_bytes=self.settings.render_max_bytes)
        return TemplateCache(self.store, limits, brand=brand_variables(self.settings))

    @cached_property
    def templates(self) -> TemplateManager:
        from chalicelib.templating.manager import TemplateManager

        return TemplateManager(self.store, self.cache)

    @cached_property
    def message_log(self) -> MessageLog:
        from chalicelib.records.message_log import MessageLog

        return MessageLog(self.dynamodb, self.settings.message_log_table,
                          self.settings.message_log_ttl_days)

    @cached_property
    def suppressions(self) -> SuppressionList:
        from chalicelib.records.suppression import SuppressionList

        return SuppressionList(self.dynamodb, self.settings.suppression_table)

    @cached_property
    def queue(self) -> SendQueue:
        from chalicelib.messages.queue import SendQueue

        return SendQueue(self._client("sqs"), self.settings.send_queue_url)

    @cached_property
    def sms_queue(self) -> SendQueue:
        from chalicelib.messages.queue import SendQueue

        return SendQueue(self._client("sqs"), self.settings.sms_queue_url)

    @property
    def queues(self) -> dict[str, SendQueue]:
        """Each channel's queue: where the producer and the reconciler put its messages."""
        from chalicelib.messages.envelope import EMAIL, SMS

        return {EMAIL: self.queue, SMS: self.sms_queue}

    @cached_property
    def outbox(self) -> Outbox:
        from chalicelib.records.outbox import Outbox

        return Outbox(self.dynamodb, self.settings.outbox_table, self.settings.outbox_ttl_s)

    @cached_property
    def producer(self) -> Producer:
        with aws.collector_paused():  # the first POST's imports and clients (cold start)
            return self._producer()

    def _producer(self) -> Producer:
        from chalicelib.records.supersede import SupersedeIndex
        from chalicelib.sending.accept import Producer
        from chalicelib.sending.idempotency import IdempotencyStore
        from chalicelib.sending.rate_limits import RateLimiter

        return Producer(self.settings, self.cache, self.message_log,
                        IdempotencyStore(self.dynamodb, self.settings.idempotency_table,
                                         self.settings.idempotency_ttl_s),
                        RateLimiter(self.dynamodb, self.settings.rate_limit_table),
                        self.suppressions, self.queues, self.outbox, self.dynamodb,
                        SupersedeIndex(self.dynamodb, self.settings.rate_limit_table))

    @cached_property
    def consumer(self) -> Consumer:
        with aws.collector_paused():  # the first batch's imports and clients (cold start)
            return self._consumer()

    @cached_property
    def email_channel(self) -> EmailChannel:
        from chalicelib.delivery.channels.email import EmailChannel, SesTransport
        from chalicelib.links.issuer import LinkIssuer

        transport = SesTransport(self._client("sesv2"), self.settings.ses_configuration_set)
        gateway = LinkIssuer(self.link_store, self.settings.public_base_url,
                             self.settings.local_mode, self.settings.link_ttl_s)
        return EmailChannel(self.cache, transport, self.settings.default_sender,
                            self.mail_links, gateway)

    def _consumer(self, channel: Channel[Any] | None = None, queue: SendQueue | None = None,
                  rate: float | None = None) -> Consumer:
        """The consumer of one channel's queue (email's unless told otherwise)."""
        from chalicelib.delivery.consumer import Consumer, message_scope
        from chalicelib.delivery.throttle import SendRateLimiter
        from chalicelib.messages import envelope
        from chalicelib.platform.sqs_batch import Backoff, BatchRunner

        channel = channel or self.email_channel
        queue = queue or self.queue
        batches = BatchRunner(envelope.decode, queue=queue,
                              report_partial=self.settings.report_batch_item_failures,
                              backoff=Backoff(self.settings.retry_base_s,
                                              self.settings.retry_max_s),
                              threads=self.settings.send_threads, scope=message_scope)
        # each of the mapping's concurrent consumers keeps to its share of the SES quota
        share = ((rate or self.settings.max_send_rate)
                 / max(1, self.settings.consumer_max_concurrency))
        return Consumer(self.settings, {channel.name: channel},
                        self.message_log, self.suppressions, queue, self.outbox,
                        self.dynamodb, SendRateLimiter(share), batches)

    @cached_property
    def sms_channel(self) -> SmsChannel:
        from chalicelib.delivery.channels.sms import SmsChannel, SnsSmsTransport

        transport = SnsSmsTransport(self._client("sns", tried_once=True),
                                    self.settings.sms_sender_id)
        return SmsChannel(self.cache, transport)

    @cached_property
    def sms_consumer(self) -> Consumer:
        """The SMS queue's consumer: the same claim, log and retries as mail's."""
        with aws.collector_paused():  # the first batch's imports and clients (cold start)
            return self._consumer(self.sms_channel, self.sms_queue,
                                  self.settings.sms_max_send_rate)

    @cached_property
    def reconciler(self) -> Reconciler:
        from chalicelib.delivery.reconciler import Reconciler

        return Reconciler(self.outbox, self.message_log, self.queues,
                          self.settings.reconcile_after_s)

    @cached_property
    def feedback(self) -> FeedbackHandler:
        from chalicelib.feedback.ses import FeedbackHandler, SesMessageIndex, read_feedback
        from chalicelib.platform.sqs_batch import BatchRunner

        # no queue: an event applies twice harmlessly, so a failure returns the whole batch
        # when the mapping cannot take partial failures (nothing deleted, no backoff)
        batches = BatchRunner(read_feedback,
                              report_partial=self.settings.report_batch_item_failures)
        return FeedbackHandler(self.message_log,
                               SesMessageIndex(self.dynamodb, self.settings.message_log_table),
                               self.suppressions, batches)

    @cached_property
    def staff_send(self) -> StaffSend:
        from chalicelib.sending.staff_send import StaffSend

        return StaffSend(self.cache, self.producer, self.settings.test_send_limit_per_hour)

    @cached_property
    def suppression_admin(self) -> SuppressionAdmin:
        from chalicelib.operations.suppression_admin import SuppressionAdmin

        return SuppressionAdmin(self.suppressions)

    @cached_property
    def alarm_forwarder(self) -> AlarmForwarder:
        from chalicelib.operations.alerts import AlarmForwarder

        return AlarmForwarder(self.dynamodb, self.settings.rate_limit_table,
                              self._client("sns"), self.settings.alert_topic_arn,
                              self.settings.stage)

    @cached_property
    def queue_admin(self) -> QueueAdmin:
        from chalicelib.operations.dlq import QueueAdmin

        return QueueAdmin(self._client("sqs"), self._client("cloudwatch"), self.message_log,
                          self.settings.send_queue_url, self.settings.dlq_url,
                          move_task=(self.settings.redrive_move_task
                                     and not self.settings.local_mode),
                          max_move=self.settings.redrive_max_messages)

    @cached_property
    def mail_finder(self) -> MailFinder:
        """GET /messages (find mail by recipient or status) and GET /messages/{id}."""
        from chalicelib.operations.mail_finder import MailFinder
        from chalicelib.records.message_search import MessageSearch

        search = MessageSearch(self.dynamodb, self.settings.message_log_table,
                               self.settings.message_log_ttl_days)
        return MailFinder(search, self.message_log, self.cache)

    @cached_property
    def cognito_sender(self) -> CognitoEmailSender:
        from chalicelib.intake.cognito import (
            CognitoEmailSender,
            KmsCodeCipher,
            KmsMac,
            cognito_templates,
        )

        return CognitoEmailSender(
            self.producer, KmsCodeCipher(self.settings.cognito_key_arn),
            KmsMac(self._client("kms"), self.settings.cognito_mac_key_id),
            cognito_templates(self.settings.cognito_templates))

    @cached_property
    def welcome_sender(self) -> WelcomeSender:
        from chalicelib.intake.stream import WelcomeMapping, WelcomeSender

        return WelcomeSender(self.producer.accept, WelcomeMapping.from_settings(self.settings),
                             report_partial=self.settings.report_batch_item_failures)

    @cached_property
    def hooks(self) -> HookIntake:
        from chalicelib.intake.hooks import HookIntake
        from chalicelib.intake.secrets import HookSecrets
        from chalicelib.intake.sources import all_sources
        from chalicelib.intake.status import HookStatus

        secrets = HookSecrets(self._client("ssm"), self.settings.stage,
                              ttl_s=self.settings.hook_secret_ttl_s)
        return HookIntake(all_sources(self.settings.hook_mappings), secrets, self.producer,
                          self.cache, HookStatus(self.dynamodb, self.settings.rate_limit_table),
                          self.settings.hook_max_body_bytes)

    # Outbound delivery webhooks (chalicelib/webhooks/)
    @cached_property
    def webhook_endpoints(self) -> EndpointStore:
        from chalicelib.webhooks.endpoints import EndpointStore

        return EndpointStore(self.dynamodb, self.settings.webhooks_table,
                             self.settings.webhook_deliveries_kept,
                             self.settings.webhook_delivery_ttl_days)

    @cached_property
    def webhook_queue(self) -> SendQueue:
        from chalicelib.messages.queue import SendQueue

        return SendQueue(self._client("sqs"), self.settings.webhooks_queue_url)

    @cached_property
    def webhook_policy(self) -> UrlPolicy:
        from chalicelib.webhooks.targets import UrlPolicy

        return UrlPolicy(local_mode=self.settings.local_mode)

    @cached_property
    def webhooks(self) -> WebhookAdmin:
        from chalicelib.webhooks.admin import WebhookAdmin

        return WebhookAdmin(self.webhook_endpoints, self.webhook_policy, self.webhook_queue)

    @cached_property
    def webhook_fanout(self) -> FanOut:
        from chalicelib.webhooks.fanout import FanOut

        return FanOut(self.webhook_endpoints, self.webhook_queue,
                      report_partial=self.settings.report_batch_item_failures)

    @cached_property
    def webhook_sender(self) -> WebhookSender:
        from chalicelib.platform.sqs_batch import Backoff, BatchRunner
        from chalicelib.webhooks import events
        from chalicelib.webhooks.sender import WebhookSender
        from chalicelib.webhooks.transport import HttpPoster, Timeouts

        batches = BatchRunner(events.decode, queue=self.webhook_queue,
                              report_partial=self.settings.report_batch_item_failures,
                              backoff=Backoff(self.settings.webhook_retry_base_s,
                                              self.settings.webhook_retry_max_s),
                              threads=10)
        post = HttpPoster(Timeouts(self.settings.webhook_connect_timeout_s,
                                   self.settings.webhook_read_timeout_s))
        return WebhookSender(self.webhook_endpoints, self.webhook_policy, post, batches,
                             self.settings.webhook_max_attempts,
                             self.settings.webhook_disable_after)

    # Notifications to users (chalicelib/notifications/)
    @cached_property
    def users(self) -> UserStore:
        from chalicelib.records.users import UserStore

        return UserStore(self.dynamodb, self.settings.users_table)

    @cached_property
    def preferences(self) -> PreferenceStore:
        from chalicelib.records.preferences import PreferenceStore

        return PreferenceStore(self.dynamodb, self.settings.preferences_table)

    @cached_property
    def notification_types(self) -> NotificationTypes:
        from chalicelib.records.notification_types import NotificationTypes

        return NotificationTypes(self.dynamodb, self.settings.notification_types_table)

    @cached_property
    def profiles(self) -> Profiles:
        from chalicelib.notifications.profiles import Profiles

        return Profiles(self.users, self.preferences, self.notification_types,
                        self.cache.latest)

    @cached_property
    def notifications_topic(self) -> ChannelTopic:
        from chalicelib.messages.topic import ChannelTopic

        return ChannelTopic(self._client("sns"), self.settings.notifications_topic_arn)

    @cached_property
    def notifier(self) -> Notifier:
        from chalicelib.notifications.notifier import Notifier

        return Notifier(self.users, self.preferences, self.notification_types,
                        self.producer.accept, self.notifications_topic.publish,
                        self.settings.max_request_bytes)

    # One-click unsubscribe and the preference page (chalicelib/unsubscribe/)
    @cached_property
    def link_signer(self) -> LinkSigner:
        from chalicelib.unsubscribe.tokens import LinkSigner, UnsubscribeKeys

        return LinkSigner(UnsubscribeKeys(self._client("ssm"), self.settings.stage),
                          self.settings.unsubscribe_link_days)

    @cached_property
    def mail_links(self) -> LinkMaker:
        from chalicelib.unsubscribe.links import LinkMaker

        return LinkMaker(self.link_signer, self.settings.public_base_url,
                         self.settings.local_mode)

    @cached_property
    def self_service(self) -> SelfService:
        from chalicelib.unsubscribe.self_service import SelfService

        # users' preferences and the notification types (chalicelib/records/, issue 15)
        return SelfService(self.link_signer, self.preferences, self.notification_types)

    # Scanner-safe links (chalicelib/links/)
    @cached_property
    def link_store(self) -> LinkStore:
        from chalicelib.links.store import LinkStore

        return LinkStore(self.dynamodb, self.settings.links_table)

    @cached_property
    def link_gateway(self) -> LinkGateway:
        from chalicelib.links.gateway import LinkGateway

        return LinkGateway(self.link_store, self.message_log)


_services: Services | None = None


def services() -> Services:
    global _services
    if _services is None:
        _services = Services(get_settings())
    return _services


def reset() -> None:
    """Forget settings, clients and caches (tests, and the local stack's restarts)."""
    global _services
    _services = None
    get_settings.cache_clear()
    aws.reset()
