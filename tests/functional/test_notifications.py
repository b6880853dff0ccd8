"""Users, preferences, notification types and POST /notifications under moto: the
notification travels API -> SNS topic -> (filter policy on `channel`) -> the channel's
queue -> the consumer -> SES; bad input is a 4xx naming the field and publishes nothing."""
from __future__ import annotations

import json

import boto3
import pytest
from helpers import body, consume, post, put_template, receive_event, sent_mail

SMS_QUEUE = "herald-dev-sms"
NEWS = {"subject": "News for {{ name }}", "html": "<p>Hi {{ name }}</p>",
        "category": "notification", "variables": {"name": {"required": True, "sample": "Ana"}}}
CODE = {"subject": "Code", "html": "<p>{{ code }}</p>", "category": "auth",
        "variables": {"code": {"required": True, "secret": True, "sample": "1"}}}
JSON = {"Content-Type": "application/json"}


def _put(client, path: str, payload) -> object:
    return client.http.put(path, body=json.dumps(payload), headers=JSON)


@pytest.fixture
def sms_queue(aws):
    """The SMS channel's queue, subscribed as the deployed stack subscribes it (the SMS
    channel's resources create it; until they do, this test does)."""
    from local_stack.resources import subscribe_channel_queue

    sqs = boto3.client("sqs")
    try:
        return sqs.get_queue_url(QueueName=SMS_QUEUE)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        url = sqs.create_queue(QueueName=SMS_QUEUE)["QueueUrl"]
    assert subscribe_channel_queue(boto3.session.Session(), aws.region,
                                   aws.notifications_topic_arn, "sms", SMS_QUEUE)
    return url


@pytest.fixture
def notify(client, sms_queue):
    """A user with an email address only, a `news` and an `sign-in-code` type."""
    assert put_template(client, "news", NEWS).status_code == 200
    assert put_template(client, "code", CODE).status_code == 200
    assert _put(client, "/notification-types/news", {
        "category": "notification", "channels": {"email": {"template": "news"}},
        "defaults": {"email": True}}).status_code == 200
    assert _put(client, "/notification-types/sign-in-code", {
        "category": "auth", "channels": {"email": {"template": "code"}},
        "defaults": {"email": False}}).status_code == 200
    assert _put(client, "/users/u-1", {"email": "Ana@Example.com", "locale": "en"}
                ).status_code == 200
    return client


def _notify(client, payload, key: str | None = None):
    return post(client, "/notifications", payload, {"Idempotency-Key": key} if key else None)


def _messages(url: str) -> list:
    return boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                               VisibilityTimeout=0,
                                               MessageAttributeNames=["All"]).get("Messages", [])


def _refused(response, status: int, field: str) -> None:
    assert response.status_code == status, response.body
    assert body(response)["error"]["field"] == field


def test_users_keep_their_profile_and_who_changed_it(notify):
    user = body(notify.http.get("/users/u-1"))
    assert user["email"] == "Ana@example.com" and user["locale"] == "en"
    assert user["phone"] is None and user["updated_by"] == "local" and user["updated_at"]
    changed = body(_put(notify, "/users/u-1", {"phone": "+14155550100", "locale": None}))
    assert changed["phone"] == "+14155550100" and changed["email"] == "Ana@example.com"
    assert changed["locale"] is None


@pytest.mark.parametrize("payload, field", [
    ({"phone": "0044 20 7946 0000"}, "phone"), ({"phone": "+0123456789"}, "phone"),
    ({"phone": "+1234567"}, "phone"), ({"email": "not-an-address"}, "email"),
    ({"locale": "english!"}, "locale"), ({"name": "Ana"}, "name")])
def test_a_bad_profile_field_is_400_naming_it(notify, payload, field):
    _refused(_put(notify, "/users/u-1", payload), 400, field)
    assert body(notify.http.get("/users/u-1"))["email"] == "Ana@example.com"


def test_unknown_user_is_404(notify):
    _refused(notify.http.get("/users/nobody"), 404, "user_id")
    _refused(notify.http.get("/users/nobody/preferences"), 404, "user_id")


def test_preferences_default_from_the_type_and_record_who_changed_them(notify):
    shown = body(notify.http.get("/users/u-1/preferences"))
    assert shown["preferences"] == {"news": {"email": True}, "sign-in-code": {"email": True}}
    assert shown["stored"] == {}
    changed = body(_put(notify, "/users/u-1/preferences",
                        {"preferences": {"news": {"email": False}}}))
    assert changed["preferences"]["news"] == {"email": False}
    assert changed["changed"]["news"]["updated_by"] == "local"


@pytest.mark.parametrize("payload, status, field", [
    ({"preferences": {"nope": {"email": False}}}, 404, "preferences.nope"),
    ({"preferences": {"news": {"pigeon": False}}}, 400, "preferences.news.pigeon"),
    ({"preferences": {"news": {"email": "no"}}}, 400, "preferences.news.email"),
    ({"prefs": {}}, 400, "prefs")])
def test_bad_preferences_name_the_field(notify, payload, status, field):
    _refused(_put(notify, "/users/u-1/preferences", payload), status, field)
    assert body(notify.http.get("/users/u-1/preferences"))["stored"] == {}


@pytest.mark.parametrize("payload, status, field", [
    ({"category": "promo", "channels": {"email": {"template": "news"}}}, 400, "category"),
    ({"category": "notification", "channels": {"fax": {"template": "news"}}}, 400,
     "channels.fax"),
    ({"category": "notification", "channels": {"email": {"template": "gone"}}}, 404,
     "channels.email.template"),
    ({"category": "notification", "channels": {"sms": {"template": "news"}}}, 422,
     "channels.sms.template"),
    ({"category": "notification", "channels": {"email": {"template": "news"}},
      "defaults": {"email": "yes"}}, 400, "defaults.email")])
def test_a_type_names_existing_templates_of_its_channels(notify, payload, status, field):
    _refused(_put(notify, "/notification-types/promo", payload), status, field)
    names = [kind["name"] for kind in body(notify.http.get("/notification-types"))[
        "notification_types"]]
    assert names == ["news", "sign-in-code"]


def test_a_notification_for_email_only_never_reaches_the_sms_queue(notify, aws, sms_queue):
    answer = _notify(notify, {"user_id": "u-1", "notification": "news",
                              "variables": {"name": "Ana"}, "channels": ["email", "sms"]})
    assert answer.status_code == 202, answer.body
    deliveries = body(answer)["deliveries"]
    assert deliveries[0]["channel"] == "email" and deliveries[0]["status"] == "queued"
    assert deliveries[1] == {"channel": "sms", "status": "skipped", "reason": "no_template"}
    assert _messages(sms_queue) == []
    [queued] = _messages(aws.send_queue_url)
    assert json.loads(queued["Body"])["message_id"] == deliveries[0]["message_id"]
    # raw delivery from the topic: the body is the envelope, the attribute came along
    assert queued["MessageAttributes"]["channel"]["StringValue"] == "email"
    event = receive_event(boto3.client("sqs"), aws.send_queue_url)
    assert consume(notify, event) == {"batchItemFailures": []}
    [mail] = sent_mail()
    assert set(mail.destinations) == {"Ana@example.com"}
    looked_up = body(notify.http.get(f"/emails/{deliveries[0]['message_id']}"))
    assert looked_up["status"] == "sent" and looked_up["template"] == "news"


def test_turned_off_is_skipped_but_auth_is_never_blocked(notify, aws):
    _put(notify, "/users/u-1/preferences", {"preferences": {
        "news": {"email": False}, "sign-in-code": {"email": False}}})
    news = body(_notify(notify, {"user_id": "u-1", "notification": "news",
                                 "variables": {"name": "Ana"}}))
    assert news["deliveries"] == [{"channel": "email", "status": "skipped",
                                   "reason": "turned_off"}]
    code = body(_notify(notify, {"user_id": "u-1", "notification": "sign-in-code",
                                 "variables": {"code": "123456"}}))
    assert code["deliveries"][0]["status"] == "queued"
    assert len(_messages(aws.send_queue_url)) == 1


def test_a_user_without_the_address_is_skipped(notify, aws):
    _put(notify, "/users/u-2", {"phone": "+14155550100"})
    answer = body(_notify(notify, {"user_id": "u-2", "notification": "news",
                                   "variables": {"name": "Bo"}}))
    assert answer["deliveries"] == [{"channel": "email", "status": "skipped",
                                     "reason": "no_address"}]
    assert _messages(aws.send_queue_url) == []


def test_a_retry_with_the_same_key_is_the_same_notification(notify, aws):
    payload = {"user_id": "u-1", "notification": "news", "variables": {"name": "Ana"}}
    first = body(_notify(notify, payload, key="n-1"))
    again = body(_notify(notify, payload, key="n-1"))
    assert again["notification_id"] == first["notification_id"]
    assert again["deliveries"] == first["deliveries"]
    assert len(_messages(aws.send_queue_url)) == 1
    # the same key on POST /emails is another request: the derived keys stay apart
    assert post(notify, "/emails", {"to": "x@example.com", "template": "news",
                                    "variables": {"name": "X"}},
                {"Idempotency-Key": "n-1"}).status_code == 202


@pytest.mark.parametrize("payload, status, field", [
    ({"user_id": "nobody", "notification": "news"}, 404, "user_id"),
    ({"user_id": "u-1", "notification": "nope"}, 404, "notification"),
    ({"user_id": "u-1", "notification": "news", "channels": ["pigeon"]}, 400, "channels"),
    ({"user_id": "u-1", "notification": "news", "channels": []}, 400, "channels"),
    ({"user_id": "u-1"}, 400, "notification"),
    ({"user_id": "u-1", "notification": "news", "variables": []}, 400, "variables"),
    ({"user_id": "u-1", "notification": "news", "to": "x@example.com"}, 400, "to"),
    ({"user_id": "u-1", "notification": "news", "variables": {}}, 422, "variables.name")])
def test_bad_input_names_the_field_and_publishes_nothing(notify, aws, sms_queue, payload,
                                                         status, field):
    response = _notify(notify, payload)
    assert response.status_code == status, response.body
    error = body(response)["error"]
    assert error.get("field") == field or field in error["message"]
    assert _messages(aws.send_queue_url) == [] and _messages(sms_queue) == []
