"""The queue message format: what the consumer refuses to guess at."""
from __future__ import annotations

import json

import pytest

from chalicelib.messages import envelope


def _send(**changes):
    body = envelope.send_body("m-1", "a@example.com", "otp", "v1", {}, "en",
                              {"code": "123456"}, ["code"], None, 1)
    return json.dumps({**body, **changes})


def test_a_send_message_reads_back_with_its_secret_names():
    message = envelope.decode(_send())
    assert (message.kind, message.message_id) == (envelope.SEND, "m-1")
    assert message.variables == {"code": "123456"} and message.secret_names == ["code"]


def test_a_sent_note_carries_no_variables():
    note = envelope.decode(envelope.sent_note("m-1", "owner-1", "ses-1", 5))
    assert note.kind == envelope.SENT_NOTE and note.body["ses_message_id"] == "ses-1"
    assert note.variables == {} and "variables" not in note.body


@pytest.mark.parametrize(("raw", "says"), [
    (_send(v=2), "version 2 is not supported"),
    (_send(kind="bounce"), "unknown message kind 'bounce'"),
    (json.dumps({"v": 1, "kind": "send", "message_id": "m"}), "send message without to"),
    (json.dumps({"v": 1, "kind": "sent", "message_id": "m"}), "sent note without"),
    ("[" * 100_000, "not JSON"),
    ("[1]", "not a JSON object"),
    (_send(channel="fax"), "unknown channel 'fax'"),
])
def test_unknown_versions_kinds_and_shapes_are_refused_by_name(raw, says):
    with pytest.raises(envelope.BadEnvelope, match=says):
        envelope.decode(raw)


def test_a_send_body_survives_the_queue_unchanged():
    body = envelope.send_body("m-1", "a@example.com", "otp", "v3", {"base": "v1"}, "pt-BR",
                              {"code": "123456", "nested": {"list": [1, "é"]}}, ["code"],
                              1_700_000_600.5, 1_700_000_000_000)
    message = envelope.decode(envelope.encode(body))
    assert message == envelope.Envelope(envelope.SEND, "m-1", body)
    assert message.expires_at == 1_700_000_600.5 and message.secret_names == ["code"]


def test_a_send_written_before_kinds_existed_is_still_sent():
    old = {"v": 1, "message_id": "m-old", "to": "a@example.com", "template": "otp",
           "version": "v1", "variables": {}}
    message = envelope.decode(json.dumps(old))
    assert (message.kind, message.message_id, message.expires_at) == (envelope.SEND, "m-old",
                                                                      None)


def test_a_send_names_its_channel_and_one_written_before_channels_is_email():
    assert envelope.decode(_send()).channel == envelope.EMAIL
    written_before = json.loads(_send())
    del written_before["channel"]
    assert envelope.decode(json.dumps(written_before)).channel == envelope.EMAIL
