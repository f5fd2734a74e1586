"""REST signing reproduces Kraken's documented example exactly."""

from __future__ import annotations

import itertools

import pytest

from kraken_tui.feed.rest import KrakenRest, KrakenRestError, check_secret, sign
from tests.captures import docs_examples


def test_sign_matches_kraken_worked_example() -> None:
    example = docs_examples()[
        "rest_signature_example"
    ]
    signature = sign(
        example["uri_path"], example["encoded_payload"], example["nonce"], example["private_key"]
    )
    assert signature == example["expected_api_sign"]


def test_bad_secret_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError) as info:
        check_secret("not base64 !!! canary-secret")
    assert "canary-secret" not in str(info.value)


def test_repr_hides_credentials() -> None:
    rest = KrakenRest("http://127.0.0.1:1", "canary-key", "c2VjcmV0")
    assert "canary-key" not in repr(rest) and "c2VjcmV0" not in repr(rest)


def test_nonces_strictly_increase() -> None:
    rest = KrakenRest("http://127.0.0.1:1", "k", "c2VjcmV0")
    nonces = [int(rest._nonce()) for _ in range(1000)]
    assert all(b > a for a, b in itertools.pairwise(nonces))


def test_error_classification() -> None:
    assert KrakenRestError("X", ["EAPI:Invalid key"]).is_auth
    assert KrakenRestError("X", ["EAPI:Rate limit exceeded"]).is_rate_limit
    assert not KrakenRestError("X", ["EService:Unavailable"]).is_auth
