"""Standard Webhooks signatures as Supabase and Clerk (through Svix) send them: the spec's and
Svix's published test vectors, the 5-minute window, both header spellings, key rotation."""
from __future__ import annotations

import base64

import pytest

from chalicelib.errors import Unauthenticated
from chalicelib.intake.secrets import HookSecrets, parse_secrets
from chalicelib.intake.signatures import decode_secret, matches, read_headers, sign

# The vector both the standard-webhooks libraries and svix-webhooks test against
# (libraries/python/tests/test_webhooks.py, python/tests/test_webhooks.py).
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
PAYLOAD = b'{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
# their "invalid signature" vector: one character off
WRONG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
KEY = decode_secret(SECRET)


def headers(signature=EXPECTED, prefix="webhook-", timestamp=TIMESTAMP, webhook_id=MSG_ID):
    return {f"{prefix}id": webhook_id, f"{prefix}timestamp": str(timestamp),
            f"{prefix}signature": signature}


def verified(given, body=PAYLOAD, keys=(KEY,), now=TIMESTAMP):
    return matches(read_headers(given, now), body, keys)


def test_the_published_vector_signs_and_verifies():
    assert sign(KEY, MSG_ID, TIMESTAMP, PAYLOAD) == EXPECTED
    assert verified(headers())


def test_the_published_wrong_signature_and_a_changed_body_do_not_verify():
    assert not verified(headers(WRONG))
    assert not verified(headers(), body=PAYLOAD + b" ")


@pytest.mark.parametrize("prefix", ["webhook-", "svix-", "Webhook-", "SVIX-"])
def test_both_header_spellings_in_any_case(prefix):
    assert verified(headers(prefix=prefix))


def test_any_v1_entry_may_match_and_other_versions_are_skipped():
    # the libraries' multi-signature vector: a rotation sends old and new side by side
    listed = " ".join(["v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
                       "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", EXPECTED,
                       "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZ"])
    assert verified(headers(listed))


def test_any_of_several_secrets_may_have_signed():
    other = decode_secret("whsec_" + base64.b64encode(b"x" * 32).decode())
    assert verified(headers(), keys=(other, KEY))
    assert not verified(headers(), keys=(other,))


@pytest.mark.parametrize("skew", [-300, 300])
def test_five_minutes_either_way_is_accepted(skew):
    assert verified(headers(), now=TIMESTAMP + skew)


@pytest.mark.parametrize("skew", [-301, 301])
def test_older_or_newer_than_five_minutes_is_refused_naming_the_header(skew):
    with pytest.raises(Unauthenticated) as refused:
        read_headers(headers(), TIMESTAMP + skew)
    assert refused.value.field == "webhook-timestamp"
    assert refused.value.code == "stale_timestamp"


@pytest.mark.parametrize(("missing", "field"), [
    ("webhook-id", "webhook-id"), ("webhook-timestamp", "webhook-timestamp"),
    ("webhook-signature", "webhook-signature")])
def test_a_missing_header_is_refused_naming_it(missing, field):
    given = headers()
    del given[missing]
    with pytest.raises(Unauthenticated) as refused:
        read_headers(given, TIMESTAMP)
    assert refused.value.field == field


@pytest.mark.parametrize("change", [{"webhook-timestamp": "hello"},
                                    {"webhook-signature": "v1,not base64!"},
                                    {"webhook-signature": "v2,abc="},
                                    {"webhook-id": "x" * 129}])
def test_malformed_headers_are_refused(change):
    with pytest.raises(Unauthenticated):
        read_headers({**headers(), **change}, TIMESTAMP)


@pytest.mark.parametrize("written", [SECRET, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                     "v1,whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
def test_a_secret_reads_with_or_without_prefix_as_supabase_shows_it(written):
    assert decode_secret(written) == KEY


def test_unpadded_secrets_read_as_the_libraries_do():
    for unpadded in ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr"):
        padded = unpadded + "=" * (-len(unpadded) % 4)
        assert decode_secret(unpadded) == base64.b64decode(padded)


def test_a_parameter_may_hold_several_secrets_and_bad_entries_are_skipped():
    other = "whsec_" + base64.b64encode(b"y" * 24).decode()
    assert parse_secrets(f"{other}  {SECRET}\nnot-base64! whsec_") == (b"y" * 24, KEY)


class ParameterNotFound(Exception):
    response = {"Error": {"Code": "ParameterNotFound"}}


class FakeSsm:
    def __init__(self, values):
        self.values = values
        self.reads = 0

    def get_parameter(self, Name, WithDecryption):  # noqa: N803 - boto3's names
        assert WithDecryption
        self.reads += 1
        if Name not in self.values:
            raise ParameterNotFound()
        return {"Parameter": {"Value": self.values[Name]}}


def test_secrets_are_cached_and_reread_after_a_mismatch_at_most_every_30_s():
    now = [0.0]
    ssm = FakeSsm({"/herald/dev/hooks/supabase": SECRET})
    secrets = HookSecrets(ssm, "dev", ttl_s=300, refresh_after_s=30, clock=lambda: now[0])
    assert secrets.keys("supabase") == (KEY,)
    assert secrets.keys("supabase") == (KEY,) and ssm.reads == 1
    assert secrets.reread("supabase") is None  # just read: a forged request costs no SSM call
    now[0] = 31
    ssm.values["/herald/dev/hooks/supabase"] = "whsec_" + base64.b64encode(b"z" * 32).decode()
    assert secrets.reread("supabase") == (b"z" * 32,)
    now[0] = 400
    secrets.keys("supabase")
    assert ssm.reads == 3  # the TTL ran out


def test_a_missing_parameter_means_not_configured():
    assert HookSecrets(FakeSsm({}), "dev").keys("clerk") == ()
