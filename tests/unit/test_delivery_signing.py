"""Standard Webhooks signing: ours, checked by the `standardwebhooks` package, and secret rotation."""

from __future__ import annotations

import base64
import datetime as dt
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from runxin.platform.delivery import signing

NOW = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)


def test_the_spec_example_signs_to_the_spec_signature() -> None:
    # The example of the Standard Webhooks specification (and of its reference libraries' tests)
    signature = signing.sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_library_verifies_our_signature_over_the_exact_bytes() -> None:
    # Given a fresh secret and a UTF-8 body with non-ASCII text
    secret = signing.generate_secret()
    body = '{"city":"360700","name":"赣州"}'.encode()
    headers = signing.signature_headers([secret], "msg_1", int(time.time()), body)
    # Then another implementation verifies it
    assert Webhook(secret).verify(body, headers) == {"city": "360700", "name": "赣州"}
    # And one changed byte, or another secret, does not verify
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"360700", b"360701"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.generate_secret()).verify(body, headers)


def test_generated_secrets_are_whsec_and_32_random_bytes() -> None:
    secret = signing.generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert signing.secret_key(secret) == base64.b64decode(secret.removeprefix("whsec_"))
    assert signing.generate_secret() != secret


def test_rotation_signs_with_both_secrets_until_the_old_one_expires() -> None:
    # Given an endpoint with one secret
    stored, first = signing.rotate([], NOW)
    assert signing.live_secrets(stored, NOW) == [first]
    # When it is rotated
    later = NOW + dt.timedelta(hours=1)
    stored, second = signing.rotate(stored, later)
    # Then both sign, newest first, and each verifies alone with its own library instance
    assert signing.live_secrets(stored, later) == [second, first]
    body = b'{"figures":[]}'
    headers = signing.signature_headers(signing.live_secrets(stored, later), "msg_2", int(time.time()), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (first, second):
        Webhook(secret).verify(body, headers)
    # And after 24 h only the new one does
    assert signing.live_secrets(stored, later + dt.timedelta(hours=24)) == [second]


def test_rotating_again_drops_expired_secrets_and_never_extends_an_expiry() -> None:
    stored, _ = signing.rotate([], NOW)
    stored, second = signing.rotate(stored, NOW, overlap=dt.timedelta(hours=2))
    # A second rotation a day later: the first secret has expired and goes
    stored, third = signing.rotate(stored, NOW + dt.timedelta(days=1))
    assert [s.secret for s in stored] == [second, third]
    # A rotation with a longer overlap does not bring a secret's expiry later
    stored2, _ = signing.rotate(stored, NOW + dt.timedelta(days=1), overlap=dt.timedelta(hours=48))
    assert stored[0].expires_at == NOW + dt.timedelta(days=2)
    assert stored2[0].expires_at == stored[0].expires_at
    # An overlap of zero revokes the old secrets at once
    revoked, fresh = signing.rotate(stored, NOW + dt.timedelta(days=1), overlap=dt.timedelta(0))
    assert signing.live_secrets(revoked, NOW + dt.timedelta(days=1)) == [fresh]


def test_secrets_survive_the_round_trip_through_their_column() -> None:
    stored, _ = signing.rotate([], NOW)
    stored, _ = signing.rotate(stored, NOW + dt.timedelta(minutes=5))
    assert signing.load_secrets(signing.dump_secrets(stored)) == stored
    assert signing.load_secrets("") == []


def test_no_live_secret_is_refused_rather_than_sent_unsigned() -> None:
    with pytest.raises(ValueError, match="live secret"):
        signing.signature_headers([], "msg_3", 1, b"{}")
