"""Least privilege per function, at run time: every AWS call each function makes through
the moto flow is allowed by its policy, and every grant is used. The static checks are in
tests/unit/test_deploy_iam.py."""
from __future__ import annotations

import fnmatch
import json
import re

import boto3
from boto_calls import CallRecorder, allows, needs
from helpers import (
    CODE_ONLY,
    OTP,
    body,
    consume,
    post,
    post_hook,
    put_hook_secret,
    put_template,
    receive_event,
    send,
    sent_mail,
    stream_record,
)
from moto.core import DEFAULT_ACCOUNT_ID
from webhook_receiver import Receiver

from chalicelib import wiring
from chalicelib.messages.envelope import Audience
from chalicelib.platform import aws as aws_clients
from infra import iam, names, users
from infra.stage import PROJECT, load_stage, read_config
from local_stack.cognito import cognito_event, encrypt_as_cognito
from local_stack.poller import scheduled_event
from local_stack.resources import create_cognito_keys
from local_stack.ses_feedback import feedback_queue_event
from local_stack.stream_poller import StreamPoller, streams_client
from tools.template_files import read_all

CHALICE = PROJECT / ".chalice"
STAGES = sorted(read_config()["stages"])
FIXTURES = PROJECT / "tests" / "fixtures" / "ses-events"

WATCHED = ("s3", "sqs", "dynamodb", "sesv2", "cloudwatch", "sns", "kms", "ssm")
# Grants the moto flow below cannot reach, and why.
UNREACHED = {
    (names.API_HANDLER, "sqs:StartMessageMoveTask"): "moto has no message move task",
    ("consume_send_queue", "sqs:SendMessage"):
        "queues a `sent` note only when DynamoDB refuses the record "
        "(tests/functional/test_delivery_*)",
    ("consume_sms_queue", "sqs:SendMessage"):
        "queues a `sent` note only when DynamoDB refuses the record (as consume_send_queue)",
    ("cognito_email_sender", "kms:Decrypt"):
        "the Encryption SDK makes its own KMS client (tests/functional/test_cognito_sender.py "
        "decrypts through it against moto)",
    ("cognito_email_sender", "s3:GetObjectVersion"):
        "a template is read by its latest version; pinned reads are the consumer's",
    (users.FUNCTION, "dynamodb:UpdateItem"):
        "counts a rate limit only when the welcome template is an auth template",
}
COGNITO_OTP = {"subject": "Code", "html": "<p>{{ code }} {{ user_name }}</p>", "category": "auth",
               "variables": {"code": {"required": True, "secret": True, "sample": "1"},
                             "user_name": {"required": False, "sample": "Ana"}}}


def _ses_bounce(ses_message_id: str, to: str) -> str:
    event = json.loads((FIXTURES / "event-bounce-permanent.json").read_text())
    event["mail"]["messageId"] = ses_message_id
    event["mail"]["destination"] = [to]
    for entry in event["bounce"]["bouncedRecipients"]:
        entry["emailAddress"] = to
    return json.dumps(event)


def _save_welcome(client) -> None:
    starters = read_all(PROJECT / "templates")
    for name in ("base", "welcome"):
        assert put_template(client, name, starters[name]).status_code == 200


def _watch(recorder: CallRecorder, region: str) -> None:
    for service in WATCHED:
        recorder.watch(aws_clients.client(service, region))
    recorder.watch(aws_clients.client("sns", region, tried_once=True))  # the SMS channel's


def _exercise_sms(client, aws, recorder) -> None:
    """An SMS test-sent to a phone, its queue message lost (the reconciler queues its
    outbox copy again), then texted by a cold SMS consumer beside a poison record
    (and delivered twice)."""
    recorder.label = names.API_HANDLER
    starter = read_all(PROJECT / "templates")["otp-sms"]
    assert put_template(client, "otp-sms", starter).status_code == 200
    assert post(client, "/templates/otp-sms/test-send", {"to": "+4915123456789"}
                ).status_code == 202
    sqs = boto3.client("sqs")
    [lost] = sqs.receive_message(QueueUrl=aws.sms_queue_url)["Messages"]
    sqs.delete_message(QueueUrl=aws.sms_queue_url, ReceiptHandle=lost["ReceiptHandle"])
    boto3.client("dynamodb").put_item(TableName=aws.outbox_table, Item={
        "message_id": {"S": json.loads(lost["Body"])["message_id"]},
        "body": {"S": lost["Body"]}, "created_epoch_ms": {"N": "0"}})
    recorder.label = "reconcile"
    assert client.lambda_.invoke("reconcile", scheduled_event()).payload["queued"] == 1
    wiring.reset()
    _watch(recorder, aws.region)
    recorder.label = "consume_sms_queue"
    sqs.send_message(QueueUrl=aws.sms_queue_url, MessageBody="poison")
    event = receive_event(sqs, aws.sms_queue_url)
    poison = next(r["messageId"] for r in event["Records"] if r["body"] == "poison")
    failed = client.lambda_.invoke("consume_sms_queue", event).payload["batchItemFailures"]
    assert failed == [{"itemIdentifier": poison}]
    duplicate = {"Records": [r for r in event["Records"] if r["body"] != "poison"]}
    assert client.lambda_.invoke("consume_sms_queue", duplicate).payload == {
        "batchItemFailures": []}


def _exercise_api(client, sqs, aws) -> str:
    """Every route once; returns the id of a queued mail."""
    assert put_template(client, "otp", OTP).status_code == 200
    assert put_template(client, "otp-code", CODE_ONLY).status_code == 200
    second = put_template(client, "otp", {**OTP, "subject": "Code {{ code }}"})
    first_version = body(client.http.get("/templates/otp/versions"))["versions"][-1]["version_id"]
    for path in ("/templates", "/templates/otp", "/templates/otp/versions",
                 f"/templates/otp/diff?from={first_version}&to={body(second)['version_id']}",
                 "/suppressions"):
        assert client.http.get(path).status_code == 200, path
    post(client, "/templates/otp/preview", {})
    post(client, "/templates/otp/rollback", {"version_id": first_version})
    assert post(client, "/templates/otp/duplicate", {"name": "otp-copy"}).status_code == 201
    assert client.http.delete("/templates/otp-copy").status_code == 204
    assert client.http.get("/templates?status=deleted").status_code == 200
    assert post(client, "/templates/otp-copy/restore", {}).status_code == 200
    post(client, "/preview", {"template": OTP, "variables": {"code": "1", "name": "A"}})
    client.http.put("/suppressions/x@example.com", body=b"{}",
                    headers={"Content-Type": "application/json"})
    client.http.delete("/suppressions/x@example.com")
    key = {"Idempotency-Key": "signin-1"}
    message_id = body(send(client, headers=key))["message_id"]
    assert body(send(client, headers=key))["message_id"] == message_id
    client.http.get(f"/emails/{message_id}")
    client.http.get(f"/messages/{message_id}")
    for query in ("to=user@example.com", "status=queued", "limit=5"):  # find any mail
        assert body(client.http.get(f"/messages?{query}"))["messages"], query
    assert post(client, "/templates/otp/test-send", {"to": "t@example.com"}).status_code == 202
    dead = sqs.send_message(QueueUrl=aws.dlq_url, MessageBody=json.dumps(
        {"message_id": "gone", "variables": {}}))["MessageId"]
    assert client.http.get("/queues").status_code == 200
    assert client.http.get("/dlq/messages").status_code == 200
    assert client.http.delete(f"/dlq/messages/{dead}").status_code == 204
    assert client.http.post(f"/dlq/messages/{dead}/redrive").status_code == 404
    put_hook_secret("clerk")
    assert post_hook(client, "clerk", {"type": "email.created", "data": {
        "slug": "verification_code", "to_email_address": "c@example.com",
        "data": {"otp_code": "1234"}}}, prefix="svix-").status_code == 200
    assert client.http.get("/hooks").status_code == 200
    _exercise_notifications(client)
    # a forged unsubscribe link: refused after the key was read, the stores untouched
    assert client.http.get("/u/eA.eA").status_code == 400
    return message_id


def _exercise_notifications(client) -> None:
    """A notification type, a user with a preference, and a notification for them."""
    json_headers = {"Content-Type": "application/json"}
    kind = {"category": "auth", "channels": {"email": {"template": "otp"}}}
    for path, payload in (("/notification-types/sign-in", kind),
                          ("/users/u-9", {"email": "u9@example.com"}),
                          ("/users/u-9/preferences", {"preferences": {"sign-in": {"sms": False}}})):
        assert client.http.put(path, body=json.dumps(payload),
                               headers=json_headers).status_code == 200, path
    for path in ("/notification-types", "/notification-types/sign-in", "/users/u-9",
                 "/users/u-9/preferences"):
        assert client.http.get(path).status_code == 200, path
    sent = post(client, "/notifications", {"user_id": "u-9", "notification": "sign-in",
                                           "variables": {"code": "1", "name": "A"}})
    assert body(sent)["deliveries"][0]["status"] == "queued"


def _notify_user(client) -> None:
    """A notification mail for a user and type, as POST /notifications accepts it: the
    consumer signs its unsubscribe links."""
    digest = {"subject": "Digest", "html": "<p>News</p>", "category": "notification"}
    assert put_template(client, "digest", digest).status_code == 200
    wiring.services().producer.accept(
        json.dumps({"to": "d@example.com", "template": "digest"}).encode(), None,
        audience=Audience("u-1", "weekly-digest"))


def _cognito_sign_up(client, aws, monkeypatch, recorder) -> dict[str, str]:
    """Cognito hands over a sign-up code, twice (a retry), for a template of its own;
    returns the env vars naming the emulated keys."""
    keys = create_cognito_keys(boto3.session.Session(), aws.region)
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HERALD_COGNITO_TEMPLATES", '{"SignUp": "cognito-otp"}')
    wiring.reset()
    _watch(recorder, aws.region)
    settings = wiring.services().settings
    event = {"triggerSource": "CustomEmailSender_SignUp", "code": "482913", "userName": "ana",
             "userAttributes": {"email": "ana@example.com", "name": "Ana"}}
    for _ in range(2):
        cognito = cognito_event(event, settings,
                                lambda code: encrypt_as_cognito(settings.cognito_key_arn, code))
        assert client.lambda_.invoke("cognito_email_sender", cognito).payload["message_id"]
    return keys


def _exercise_webhooks(client, aws, recorder, receiver) -> None:
    """Every /webhooks route, the fan-out of the mail's changes so far, one batch sent
    (one of its deliveries failing: acknowledged and backed off apart)."""
    recorder.label = names.API_HANDLER
    endpoint = {"url": receiver.url, "events": ["email.sent", "email.bounced"]}
    assert client.http.put("/webhooks/crm", body=json.dumps(endpoint),
                           headers={"Content-Type": "application/json"}).status_code == 200
    for path in ("/webhooks", "/webhooks/crm", "/webhooks/crm/deliveries"):
        assert client.http.get(path).status_code == 200, path
    assert client.http.post("/webhooks/crm/test").status_code == 202
    recorder.label = "fan_out_webhook_events"
    stream = boto3.client("dynamodb").describe_table(TableName=aws.message_log_table)[
        "Table"]["LatestStreamArn"]
    StreamPoller(streams_client(aws.region), stream, lambda event, _: client.lambda_.invoke(
        "fan_out_webhook_events", event).payload, start="TRIM_HORIZON").poll_once()
    recorder.label = "send_webhooks"
    receiver.statuses = [500, 200]
    event = receive_event(boto3.client("sqs"), aws.webhooks_queue_url)
    assert len(event["Records"]) >= 3  # the test event, the mails sent, the bounce
    failed = client.lambda_.invoke("send_webhooks", event).payload["batchItemFailures"]
    assert len(failed) == 1
    recorder.label = names.API_HANDLER
    assert client.http.delete("/webhooks/crm").status_code == 204


def _exercise_links(client, aws, recorder) -> None:
    """A mail with a scanner-safe link: the consumer records the link, the API shows its
    page and follows it."""
    report = {"subject": "Report", "html": '<a href="{{ report }}">Open</a>',
              "variables": {"report": {"link": True, "sample": "https://app.example.com/r"}}}
    assert put_template(client, "report", report).status_code == 200
    assert send(client, to="reader@example.com", template="report",
                variables={"report": "https://app.example.com/r/1"}).status_code == 202
    recorder.label = "consume_send_queue"
    consume(client, receive_event(boto3.client("sqs"), aws.send_queue_url))
    recorder.label = names.API_HANDLER
    [path] = {found for mail in sent_mail()
              for found in re.findall(r"/l/[A-Za-z0-9_-]{43}", mail.raw_data)}
    assert client.http.get(path).status_code == 200
    assert client.http.post(path, body=b"", headers={
        "Content-Type": "application/x-www-form-urlencoded"}).status_code == 303


def test_every_call_of_each_function_is_allowed_and_every_grant_used(client, aws, monkeypatch):
    # GIVEN the dev stage under moto, every boto3 call recorded per function
    recorder = CallRecorder()
    _watch(recorder, aws.region)
    sqs = boto3.client("sqs")
    recorder.label = names.API_HANDLER
    message_id = _exercise_api(client, sqs, aws)
    _notify_user(client)
    # WHEN a cold consumer gets the mail with a poison record, then the mail again
    monkeypatch.setenv("HERALD_PUBLIC_BASE_URL", "https://mail.example.com")
    wiring.reset()
    _watch(recorder, aws.region)
    sqs.send_message(QueueUrl=aws.send_queue_url, MessageBody="poison")
    # AND the reconciler finds the mail's outbox copy still there (the API's delete lost)
    queued = json.loads(sqs.receive_message(QueueUrl=aws.send_queue_url, VisibilityTimeout=0,
                                            MaxNumberOfMessages=10)["Messages"][0]["Body"])
    boto3.client("dynamodb").put_item(TableName=aws.outbox_table, Item={
        "message_id": {"S": queued["message_id"]}, "body": {"S": json.dumps(queued)},
        "created_epoch_ms": {"N": "0"}})
    recorder.label = "reconcile"
    assert client.lambda_.invoke("reconcile", scheduled_event()).payload["queued"] == 1
    recorder.label = "consume_send_queue"
    event = receive_event(sqs, aws.send_queue_url)
    poison = next(r["messageId"] for r in event["Records"] if r["body"] == "poison")
    assert {"itemIdentifier": poison} in consume(client, event)["batchItemFailures"]
    duplicate = {"Records": [r for r in event["Records"] if r["body"] != "poison"]}
    assert consume(client, duplicate) == {"batchItemFailures": []}
    # AND SES reports a bounce of it
    recorder.label = names.API_HANDLER
    ses_id = body(client.http.get(f"/emails/{message_id}"))["ses_message_id"]
    recorder.label = "handle_ses_feedback"
    bounce = json.loads(_ses_bounce(ses_id, "user@example.com"))
    client.lambda_.invoke("handle_ses_feedback", feedback_queue_event([bounce, bounce]))
    recorder.label = names.API_HANDLER
    client.http.delete("/templates/otp")
    assert body(client.http.get(f"/emails/{message_id}"))["status"] == "bounced"
    # AND an alarm goes off and recovers (one notification, one held back)
    boto3.client("sns").create_topic(Name="herald-dev-alerts")
    _watch(recorder, aws.region)
    recorder.label = "forward_alarm"
    for state in ("ALARM", "OK"):
        change = json.dumps({"AlarmName": "herald-dev-DeadLetterAlarm", "NewStateValue": state})
        client.lambda_.invoke("forward_alarm", client.events.generate_sns_event(message=change))
    # AND Cognito's custom email sender gets a code (and the same code again)
    recorder.label = names.API_HANDLER
    assert put_template(client, "cognito-otp", COGNITO_OTP).status_code == 200
    recorder.label = "cognito_email_sender"
    keys = _cognito_sign_up(client, aws, monkeypatch, recorder)
    # AND a cold welcome handler gets a new user's INSERT, then the same record again
    recorder.label = names.API_HANDLER
    _save_welcome(client)
    wiring.reset()
    _watch(recorder, aws.region)
    recorder.label = users.FUNCTION
    insert = {"Records": [stream_record("INSERT", {"user_id": "u-1", "email": "n@example.com",
                                                   "name": "Ana"})]}
    for _ in range(2):
        assert client.lambda_.invoke(users.FUNCTION, insert).payload == {"batchItemFailures": []}
    # AND staff register a webhook receiver on loopback (local mode), which gets the
    # mail's changes
    monkeypatch.setenv("HERALD_LOCAL_MODE", "true")
    wiring.reset()
    _watch(recorder, aws.region)
    receiver = Receiver()
    try:
        _exercise_webhooks(client, aws, recorder, receiver)
    finally:
        receiver.close()
    # AND an SMS is test-sent, lost on its way to the SMS queue, requeued and texted
    _exercise_sms(client, aws, recorder)
    # AND a mail with a scanner-safe link goes out, and its link is viewed and followed
    recorder.label = names.API_HANDLER
    _exercise_links(client, aws, recorder)
    # THEN each call is allowed by the policy of the function that made it
    stage = load_stage("dev")
    stage = type(stage)(**{**stage.__dict__, "env": {**stage.env, **keys}})  # moto's key ids
    needed = {function: set() for function in iam.POLICIES}
    for label, service, operation, params in recorder.calls:
        needed[label].update(needs(service, operation, params, aws.region, DEFAULT_ACCOUNT_ID))
    for function, pairs in needed.items():
        policy = iam.literal_policy(stage, function)
        assert [p for p in pairs if not allows(policy, *p)] == [], function
    # AND every grant was needed by some call (logs are written by the runtime)
    for function, grants in iam.POLICIES.items():
        policy = iam.literal_policy(stage, function)
        for grant, statement in zip(grants, policy["Statement"][1:], strict=True):
            for action in grant.actions:
                for resource in statement["Resource"]:
                    used = any(a == action and fnmatch.fnmatchcase(arn, resource)
                               for a, arn in needed[function])
                    reason = UNREACHED.get((function, action)) or UNREACHED.get(
                        (function, action, resource.rsplit("-", 1)[-1]))
                    assert used or reason or grant.platform, (function, action, resource)
