"""SDK-HMAC-SHA256: signer and verifier agree with the published test vector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipelines.sms.auth import (
    SignatureError,
    canonical_request,
    sign_headers,
    signed_header_names,
    string_to_sign,
    verify_authorization,
)

URL = "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs"
PATH = "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs"
QUERY = [("limit", "2"), ("marker", "13551d6b-755d-4757-b956-536f674975c0")]
AK = "QTWAOYTTINDUT2QVKYUC"
SK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
SIGNED_AT = datetime(2019, 11, 15, 3, 36, 55, tzinfo=UTC)
CANONICAL_HASH = "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
SIGNATURE = "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"


@pytest.fixture
def vector_headers() -> dict[str, str]:
    return sign_headers("GET", URL, QUERY, {"Content-Type": "application/json"}, AK, SK, SIGNED_AT)


def test_signer_reproduces_the_published_vector(vector_headers: dict[str, str]) -> None:
    assert vector_headers["X-Sdk-Date"] == "20191115T033655Z"
    assert vector_headers["Authorization"] == (
        f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=content-type;host;x-sdk-date, "
        f"Signature={SIGNATURE}"
    )
    unsigned = {k: v for k, v in vector_headers.items() if k != "Authorization"}
    names = signed_header_names(unsigned)
    to_sign = string_to_sign(
        canonical_request("GET", PATH, QUERY, unsigned, names), "20191115T033655Z"
    )
    assert to_sign.endswith(CANONICAL_HASH)


def test_verifier_accepts_the_published_vector(vector_headers: dict[str, str]) -> None:
    parsed = verify_authorization(
        "GET", PATH, QUERY, vector_headers, {AK: SK}, now=SIGNED_AT + timedelta(minutes=14)
    )
    assert parsed.access_key == AK
    assert parsed.signature == SIGNATURE
    assert parsed.signed_headers == ["content-type", "host", "x-sdk-date"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"secret": "wrong"}, "signature does not match"),
        ({"now": SIGNED_AT + timedelta(minutes=16)}, "more than 15 minutes off"),
        ({"query": [("limit", "3")]}, "signature does not match"),
        ({"secrets": {}}, "unknown access key"),
    ],
)
def test_verifier_rejects_with_a_reason_that_never_names_the_secret(
    vector_headers: dict[str, str], change: dict, reason: str
) -> None:
    secrets = change.get("secrets", {AK: change.get("secret", SK)})
    with pytest.raises(SignatureError, match=reason) as raised:
        verify_authorization(
            "GET",
            PATH,
            change.get("query", QUERY),
            vector_headers,
            secrets,
            now=change.get("now", SIGNED_AT),
        )
    assert SK not in str(raised.value)
