"""SMS without AWS: segments and encodings as a phone bills them, E.164 numbers, what an
SNS failure means for the message, what is published, and text-only SMS templates."""
from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from chalicelib.addresses import parse_phone
from chalicelib.delivery.channels import IN_DOUBT, PERMANENT, TRANSIENT, SendFailed
from chalicelib.delivery.channels.sms import PreparedSms, SmsChannel, SnsSmsTransport
from chalicelib.errors import BadRequest, RenderError
from chalicelib.templating.model import parse_template
from chalicelib.templating.renderer import CompiledTemplate
from chalicelib.templating.segments import GSM_7, UCS_2, sms_parts


@pytest.mark.parametrize(("text", "encoding", "units", "segments"), [
    ("", GSM_7, 0, 0),
    ("a" * 160, GSM_7, 160, 1),
    ("a" * 161, GSM_7, 161, 2),
    ("a" * 306, GSM_7, 306, 2),  # 2 x 153
    ("a" * 307, GSM_7, 307, 3),
    ("Ça coûte 5 €", UCS_2, 12, 1),  # û is not GSM: the whole text goes UCS-2
    ("{}" * 80, GSM_7, 320, 3),  # extension characters count two
    ("a" + "€" * 80, GSM_7, 161, 2),
    ("a" * 152 + "€", GSM_7, 154, 1),
    ("a" * 152 + "€" + "b" * 10, GSM_7, 164, 2),  # the pair at 153 moves whole: 152 + 12
    ("ж" * 70, UCS_2, 70, 1),
    ("ж" * 71, UCS_2, 71, 2),
    ("ж" * 134, UCS_2, 134, 2),
    ("ж" * 135, UCS_2, 135, 3),
    ("😀" * 35, UCS_2, 70, 1),  # outside the BMP: two UTF-16 units each
    ("😀" * 34, UCS_2, 68, 1),
    ("😀" * 36, UCS_2, 72, 2),  # 33 fit the first 67 units; a pair is never split
])
def test_encoding_and_segments_as_a_phone_counts_them(text, encoding, units, segments):
    parts = sms_parts(text)
    assert (parts.encoding, parts.units, parts.segments) == (encoding, units, segments)


def test_every_gsm_basic_character_keeps_gsm_7():
    text = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\n\r"
    assert sms_parts(text).encoding == GSM_7 and sms_parts(text).units == len(text)
    assert sms_parts("\x1b").encoding == UCS_2  # the escape itself is not a character


@pytest.mark.parametrize("number", ["+4915123456789", "+12025550123", "+35312345678",
                                    "+123456789012345"])
def test_e164_numbers_are_taken_as_given(number):
    assert parse_phone(number).key == number


@pytest.mark.parametrize("raw", ["4915123456789", "015123456789", "+49 151 23456789",
                                 "+49-151-2345678", "+0123456789", "+1234567",
                                 "+1234567890123456", "+4915123456789\n", "", None, 4915123456,
                                 "user@example.com", "+４９１５１２３４５６７８"])
def test_anything_but_e164_is_refused_naming_the_field(raw):
    with pytest.raises(BadRequest) as refused:
        parse_phone(raw)
    assert refused.value.field == "to" and "E.164" in refused.value.message


class FakeSns:
    """SNS's two SMS calls: records publishes, raises what it is told to."""

    def __init__(self, opted_out: bool = False, fails: Exception | None = None) -> None:
        self.opted_out = opted_out
        self.fails = fails
        self.published: list[dict[str, Any]] = []

    def check_if_phone_number_is_opted_out(self, phoneNumber: str) -> dict[str, Any]:
        return {"isOptedOut": self.opted_out}

    def publish(self, **args: Any) -> dict[str, str]:
        if self.fails is not None:
            raise self.fails
        self.published.append(args)
        return {"MessageId": "sns-1"}


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "whatever +4915123456789"}},
                       "Publish")


def _send(sns: FakeSns, prepared: PreparedSms | None = None) -> str:
    channel = SmsChannel(cache=None, transport=SnsSmsTransport(sns, sender_id="Herald"))
    return channel.send(prepared or PreparedSms("+4915123456789", "123456 is your code",
                                                opted_out=False), "m-1")


@pytest.mark.parametrize(("error", "kind", "throttled"), [
    (_client_error("InvalidParameter"), PERMANENT, False),
    (_client_error("ParameterValueInvalid"), PERMANENT, False),
    (_client_error("Throttled"), TRANSIENT, True),
    (_client_error("InternalError"), TRANSIENT, False),
    (EndpointConnectionError(endpoint_url="https://sns"), TRANSIENT, False),
    (ReadTimeoutError(endpoint_url="https://sns"), IN_DOUBT, False),
])
def test_a_failed_publish_says_what_a_retry_risks(error, kind, throttled):
    with pytest.raises(SendFailed) as failed:
        _send(FakeSns(fails=error))
    assert (failed.value.kind, failed.value.throttled) == (kind, throttled)
    assert "+4915123456789" not in failed.value.reason  # the provider's text is not quoted


def test_a_transactional_sms_with_the_sender_id_goes_to_the_number():
    sns = FakeSns()
    assert _send(sns) == "sns-1"
    [published] = sns.published
    assert (published["PhoneNumber"], published["Message"]) == ("+4915123456789",
                                                                 "123456 is your code")
    attributes = published["MessageAttributes"]
    assert attributes["AWS.SNS.SMS.SMSType"]["StringValue"] == "Transactional"
    assert attributes["AWS.SNS.SMS.SenderID"]["StringValue"] == "Herald"


def test_a_number_that_opted_out_fails_for_good_and_nothing_is_published():
    sns = FakeSns()
    with pytest.raises(SendFailed) as failed:
        _send(sns, PreparedSms("+4915123456799", "123456", opted_out=True))
    assert failed.value.kind == PERMANENT and sns.published == []


def _sms_template(**changes: Any) -> CompiledTemplate:
    payload = {"channel": "sms", "category": "auth", "text": "{{ code }} is your code\n\n"
               "@example.com #{{ code }}\n", "variables": {"code": {"secret": True}}, **changes}
    return CompiledTemplate(parse_template("otp-sms", payload, "example.com"), "v1", {})


@pytest.mark.parametrize("field", ["subject", "html", "sender", "reply_to"])
def test_an_sms_template_is_text_only(field):
    with pytest.raises(BadRequest) as refused:
        _sms_template(**{field: "Hi" if field in ("subject", "html") else "a@example.com"})
    assert refused.value.field == field


def test_an_sms_template_needs_text_and_no_layout_or_mail_part_in_a_locale():
    with pytest.raises(BadRequest) as no_text:
        parse_template("otp-sms", {"channel": "sms", "category": "auth"}, "example.com")
    assert no_text.value.field == "text"
    with pytest.raises(BadRequest) as layout:
        _sms_template(category="layout")
    assert layout.value.field == "category"
    with pytest.raises(BadRequest) as subject:
        _sms_template(locales={"pt-BR": {"subject": "Código"}})
    assert subject.value.field == "locales.pt-BR.subject"


def test_an_sms_renders_trimmed_with_its_code_line_last_and_its_size():
    rendered = _sms_template().render_sms({"code": "482913"})
    assert rendered.text == "482913 is your code\n\n@example.com #482913"
    assert rendered.to_dict() == {"channel": "sms", "text": rendered.text, "locale": "en",
                                  "encoding": GSM_7, "units": len(rendered.text),
                                  "segments": 1}


def test_an_sms_past_snss_limit_is_refused_without_its_text():
    with pytest.raises(RenderError) as refused:
        _sms_template().render_sms({"code": "9" * 1600})
    assert refused.value.field == "text" and "9999" not in refused.value.message
