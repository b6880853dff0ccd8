"""Starts the whole of Herald on one machine: emulator, resources, templates,
API with the admin UI, consumer poller and mail viewer."""
from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from local_stack import environment

HOST = "127.0.0.1"
RECONCILE_EVERY_S = 10.0  # the deployed schedule runs every minute


class PortInUse(SystemExit):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Nothing listens there (TIME_WAIT leftovers of closed connections don't count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
            return True
        except OSError:
            return False


def ensure_port_free(port: int) -> None:
    if not port_is_free(port):
        raise PortInUse(
            f"error: {HOST}:{port} is already in use - is another `make run` running? "
            f"Stop it, or pick another port: PORT=8001 make run")


@dataclass
class LocalStack:
    port: int
    started: list[Any] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def start(self) -> Any:
        """Bring everything up; returns the HTTP server (call serve_forever on it)."""
        ensure_port_free(self.port)
        environment.load_stage_defaults()
        from local_stack.emulator import LocalMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        aws_port = free_port()
        moto = LocalMotoServer(ip_address=HOST, port=aws_port, verbose=False)
        moto.start()
        self.started.append(moto)
        endpoint = f"http://{HOST}:{aws_port}"
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        urls = self._create_resources()
        environment.apply(endpoint, urls["queue_url"], urls["dlq_url"])
        os.environ.update(self._cognito_keys())
        # the links Herald puts in mail point at this server (/u/, /preferences/, /l/)
        os.environ.setdefault("HERALD_PUBLIC_BASE_URL", f"http://{HOST}:{self.port}")
        os.environ.update({"HERALD_WEBHOOKS_QUEUE_URL": urls["webhooks_queue_url"],
                           "HERALD_MESSAGE_LOG_STREAM_ARN": urls["message_log_stream_arn"]})
        os.environ["HERALD_NOTIFICATIONS_TOPIC_ARN"] = urls["notifications_topic_arn"]
        os.environ.update({"HERALD_SMS_QUEUE_URL": urls["sms_queue_url"],
                           "HERALD_SMS_DLQ_URL": urls["sms_dlq_url"]})
        from chalicelib import wiring
        from chalicelib.platform.settings import get_settings

        wiring.reset()
        settings = get_settings()
        self.info = {"aws_endpoint": endpoint, "region": settings.region,
                     "queue_url": settings.send_queue_url, "dlq_url": settings.dlq_url,
                     "feedback_queue_url": urls["feedback_queue_url"],
                     "feedback_dlq_url": urls["feedback_dlq_url"],
                     "feedback_topic_arn": urls["feedback_topic_arn"],
                     "bucket": settings.template_bucket,
                     "webhooks_queue_url": urls["webhooks_queue_url"],
                     "webhooks_dlq_url": urls["webhooks_dlq_url"],
                     "message_log_stream_arn": urls["message_log_stream_arn"],
                     "sms_queue_url": urls["sms_queue_url"], "sms_dlq_url": urls["sms_dlq_url"]}
        self.info["users_table"] = urls["users_table"]  # insert items: a welcome mail each
        self.info["users_stream_arn"] = urls["users_table_stream_arn"]
        self.info["notifications_topic_arn"] = urls["notifications_topic_arn"]
        self.info["hook_secrets"] = self._create_hook_secrets(settings)
        self._load_templates()
        return self._start_app(settings)

    def _create_resources(self) -> dict[str, str]:
        import boto3

        from chalicelib.platform.settings import Settings
        from local_stack.resources import create_resources

        visibility = int(os.environ.get("HERALD_LOCAL_VISIBILITY_S",
                                        environment.LOCAL_DEFAULTS["HERALD_LOCAL_VISIBILITY_S"]))
        return create_resources(Settings.from_env(os.environ), boto3.session.Session(),
                                visibility_timeout_s=visibility)

    def _cognito_keys(self) -> dict[str, str]:
        import boto3

        from local_stack.resources import create_cognito_keys

        return create_cognito_keys(boto3.session.Session(),
                                   os.environ.get("HERALD_REGION", "us-east-1"))

    def _create_hook_secrets(self, settings: Any) -> dict[str, str]:
        import boto3

        from local_stack.resources import create_hook_secrets

        return create_hook_secrets(settings, boto3.session.Session())

    def _load_templates(self) -> None:
        from chalicelib.errors import HeraldError
        from chalicelib.wiring import services
        from tools.template_files import read_all

        for name, payload in read_all(environment.PROJECT / "templates").items():
            try:
                services().templates.save(name, payload, author="templates/")
            except HeraldError as error:
                print(f"warning: template {name} not loaded: {error.message}", file=sys.stderr)

    def _start_app(self, settings: Any) -> Any:
        import boto3
        from chalice.config import Config
        from chalice.local import LocalChalice, LocalDevServer

        import app as herald
        from local_stack.feedback_relay import FeedbackRelay
        from local_stack.local_routes import make_blueprint
        from local_stack.mailbox import Mailbox, logged_template
        from local_stack.poller import QueuePoller, Ticker
        from local_stack.sms_inbox import SmsInbox
        from local_stack.static_files import make_handler
        from local_stack.stream_poller import StreamPoller, streams_client

        mailbox = Mailbox(settings.region, template_of=logged_template)
        sms_inbox = SmsInbox(settings.region)
        consumers_paused = threading.Event()  # POST /_local/consumer
        herald.app.register_blueprint(make_blueprint(mailbox, self.info, sms_inbox,
                                                     consumers_paused))
        herald.app.__class__ = type("LocalHerald", (LocalChalice, type(herald.app)), {})
        config = Config.create(chalice_stage="dev", app_name="herald", chalice_app=herald.app)
        server = LocalDevServer(herald.app, config, HOST, self.port,
                                handler_cls=make_handler(environment.PROJECT / "admin_ui"))
        self.started.append(server.server)
        sqs = boto3.client("sqs", region_name=settings.region)
        poller = QueuePoller(sqs, settings.send_queue_url, herald.consume_send_queue,
                             settings.region, paused=consumers_paused)
        feedback = QueuePoller(sqs, self.info["feedback_queue_url"],
                               herald.handle_ses_feedback, settings.region,
                               name="herald-feedback-poller")
        relay = FeedbackRelay(boto3.client("sns", region_name=settings.region),
                              self.info["feedback_topic_arn"], settings.ses_configuration_set,
                              settings.region)
        reconciler = Ticker(herald.reconcile, interval_s=RECONCILE_EVERY_S)
        users = StreamPoller(streams_client(settings.region), self.info["users_stream_arn"],
                             herald.send_welcome_mail)
        mailbox.listeners.append(relay.on_mail)
        webhooks = self._webhook_pollers(sqs, settings.region, herald)
        sms = QueuePoller(sqs, settings.sms_queue_url, sms_inbox.watching(herald.consume_sms_queue),
                          settings.region, name="herald-sms-poller", paused=consumers_paused)
        for thread in (mailbox, poller, feedback, relay, reconciler, users, *webhooks, sms):
            thread.start()
            self.started.append(thread)
        return server

    def _webhook_pollers(self, sqs: Any, region: str, herald: Any) -> tuple[Any, ...]:
        """The message log's stream to the fan-out, the webhooks queue to the sender."""
        from local_stack.poller import QueuePoller
        from local_stack.stream_poller import StreamPoller, streams_client

        return (StreamPoller(streams_client(region), self.info["message_log_stream_arn"],
                             herald.fan_out_webhook_events, name="herald-webhook-fan-out"),
                QueuePoller(sqs, self.info["webhooks_queue_url"], herald.send_webhooks, region,
                            name="herald-webhook-sender"))

    def stop(self) -> None:
        for part in reversed(self.started):
            for method in ("stop", "server_close"):
                if hasattr(part, method):
                    getattr(part, method)()
        for part in self.started:
            if hasattr(part, "join"):
                part.join(timeout=5)
        self.started.clear()


def banner(port: int, info: dict[str, str], seconds: float) -> str:
    base = f"http://{HOST}:{port}"
    return "\n".join([
        f"Herald local stack ready in {seconds:.1f} s (no auth, loopback only, state in memory)",
        f"  API:          {base}   (try {base}/health)",
        f"  Admin UI:     {base}/admin/",
        f"  Mail viewer:  {base}/_local/mail",
        f"  Mailbox:      {base}/admin/#/mailbox   (the same mail, rendered)",
        f"  SMS sent:     {base}/_local/sms",
        f"  AWS emulator: {info['aws_endpoint']}  (region {info['region']}, "
        f"bucket {info['bucket']})",
        "Press Ctrl-C to stop.",
    ])
