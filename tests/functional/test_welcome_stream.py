"""Welcome mail from the users table's stream through the real handler and accept path:
an INSERT queues one welcome, MODIFY and REMOVE nothing, a replay nothing more."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from helpers import body, consume, put_template, receive_event, sent_mail, stream_record

from infra.stage import PROJECT
from local_stack.stream_events import lambda_event
from tools.template_files import read_all

ANA = {"user_id": "u-1", "email": "ana@example.com", "name": "Ana", "locale": "en"}


@pytest.fixture
def welcome(client):
    """The client, with the starter layout and welcome template saved."""
    starters = read_all(PROJECT / "templates")
    for name in ("base", "welcome"):
        assert put_template(client, name, starters[name]).status_code == 200
    return client


def _stream(client, *records):
    return client.lambda_.invoke("send_welcome_mail", {"Records": list(records)}).payload


def _queued(aws) -> list[dict]:
    """The send queue's messages, left in place for the consumer."""
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=aws.send_queue_url, MaxNumberOfMessages=10,
                                   VisibilityTimeout=0).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def test_an_insert_queues_one_welcome_with_the_users_name_and_locale(welcome, aws):
    assert _stream(welcome, stream_record("INSERT", ANA)) == {"batchItemFailures": []}
    [queued] = _queued(aws)
    assert (queued["to"], queued["template"], queued["locale"]) == (
        "ana@example.com", "welcome", "en")
    assert queued["variables"]["user_name"] == "Ana"
    entry = body(welcome.http.get(f"/emails/{queued['message_id']}"))
    assert (entry["status"], entry["template"]) == ("queued", "welcome")
    consume(welcome, receive_event(boto3.client("sqs"), aws.send_queue_url))
    [mail] = sent_mail()
    assert "Welcome to Herald, Ana" in mail.raw_data and "ana@example.com" in mail.raw_data


def test_modify_and_remove_queue_nothing(welcome, aws):
    payload = _stream(welcome, stream_record("MODIFY", {**ANA, "name": "Ana M"}, old=ANA),
                      stream_record("REMOVE", ANA, sequence="101"))
    assert payload == {"batchItemFailures": []}
    assert _queued(aws) == []


def test_a_replayed_insert_still_queues_one_welcome(welcome, aws):
    insert = stream_record("INSERT", ANA)
    _stream(welcome, insert)
    _stream(welcome, insert, stream_record("INSERT", {**ANA, "user_id": "u-2"}, sequence="101"))
    assert sorted(mail["variables"]["user_name"] for mail in _queued(aws)) == ["Ana", "Ana"]
    assert len({mail["message_id"] for mail in _queued(aws)}) == 2


def test_a_suppressed_new_user_is_skipped_without_blocking_the_batch(welcome, aws):
    welcome.http.put("/suppressions/ana@example.com", body=b"{}",
                     headers={"Content-Type": "application/json"})
    payload = _stream(welcome, stream_record("INSERT", ANA),
                      stream_record("INSERT", {**ANA, "user_id": "u-2",
                                               "email": "bo@example.com"}, sequence="101"))
    assert payload == {"batchItemFailures": []}
    assert [mail["to"] for mail in _queued(aws)] == ["bo@example.com"]


def test_records_read_from_the_tables_stream_are_shaped_as_lambdas(welcome, aws):
    # GIVEN the emulated users table's stream, read as the local stack's poller reads it
    # (moto answers only the classic endpoint, not the account-based one)
    streams = boto3.client("dynamodbstreams",
                           config=Config(account_id_endpoint_mode="disabled"))
    table = boto3.client("dynamodb").describe_table(TableName=aws.users_table)["Table"]
    arn = table["LatestStreamArn"]
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="LATEST")["ShardIterator"]
    # WHEN a user is inserted, then renamed
    users = boto3.resource("dynamodb").Table(aws.users_table)
    users.put_item(Item=ANA)
    users.put_item(Item={**ANA, "name": "Ana Maria"})
    records = streams.get_records(ShardIterator=iterator)["Records"]
    # THEN the handler takes the records as Lambda's mapping hands them: one welcome
    assert _stream(welcome, *lambda_event(records, arn)["Records"]) == {"batchItemFailures": []}
    [queued] = _queued(aws)
    assert (queued["to"], queued["variables"]["user_name"]) == ("ana@example.com", "Ana")
