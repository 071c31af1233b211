"""SDK-HMAC-SHA256 request signing, exactly as the Huawei Cloud SDKs compute it.

One module serves both sides: the client signs with :func:`sign_headers`, the
simulator checks with :func:`verify_authorization`, so the two can never drift
apart on a canonicalisation detail (trailing-slash URI, sorted RFC 3986 query,
lower-cased signed headers without ``_``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote, urlsplit

ALGORITHM = "SDK-HMAC-SHA256"
DATE_HEADER = "X-Sdk-Date"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_CLOCK_SKEW = timedelta(minutes=15)
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


def canonical_uri(path: str) -> str:
    """Each path segment percent-encoded (``~`` safe), always ending in ``/``."""
    encoded = "/".join(quote(segment, safe="~") for segment in unquote(path).split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Sorted ``key=value`` pairs, both RFC 3986-encoded (``%20``, never ``+``)."""
    return "&".join(
        f"{quote(key, safe='~')}={quote(value, safe='~')}" for key, value in sorted(pairs)
    )


def signed_header_names(headers: Iterable[str]) -> list[str]:
    """The SDK signs every header whose name has no underscore, lower-cased and sorted."""
    return sorted({name.lower() for name in headers if "_" not in name})


def canonical_request(
    method: str,
    path: str,
    query_pairs: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    signed_headers: list[str],
    body: bytes = b"",
) -> str:
    lowered = {name.lower(): value.strip() for name, value in headers.items()}
    header_block = "".join(f"{name}:{lowered[name]}\n" for name in signed_headers)
    body_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_BODY_SHA256
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query_pairs),
            header_block,
            ";".join(signed_headers),
            body_hash,
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, to_sign: str) -> str:
    return hmac.new(secret_key.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def host_header(url: str) -> str:
    """``Host`` as the SDK sends it: with the port only when it is not the scheme's default."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = parts.hostname or ""
    if parts.port and parts.port != default:
        return f"{host}:{parts.port}"
    return host


def sign_headers(
    method: str,
    url: str,
    query_pairs: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    access_key: str,
    secret_key: str,
    now: datetime | None = None,
    body: bytes = b"",
) -> dict[str, str]:
    """Return ``headers`` plus ``Host``, ``X-Sdk-Date`` and the ``Authorization`` signature.

    ``url`` carries scheme, host and path; the query is passed separately as
    decoded pairs so that the caller and the signature encode it the same way.
    """
    signed = dict(headers)
    signed.setdefault("Host", host_header(url))
    signed[DATE_HEADER] = (now or datetime.now(UTC)).strftime(DATE_FORMAT)
    names = signed_header_names(signed)
    canonical = canonical_request(method, urlsplit(url).path, query_pairs, signed, names, body)
    sig = signature(secret_key, string_to_sign(canonical, signed[DATE_HEADER]))
    signed["Authorization"] = (
        f"{ALGORITHM} Access={access_key}, SignedHeaders={';'.join(names)}, Signature={sig}"
    )
    return signed


@dataclass(frozen=True)
class ParsedAuthorization:
    access_key: str
    signed_headers: list[str]
    signature: str


class SignatureError(ValueError):
    """Why a signed request was rejected; the text never contains the secret key."""


def parse_authorization(value: str) -> ParsedAuthorization:
    if not value.startswith(ALGORITHM + " "):
        raise SignatureError("unsupported authorization algorithm")
    fields: dict[str, str] = {}
    for part in value[len(ALGORITHM) + 1 :].split(","):
        key, sep, val = part.strip().partition("=")
        if not sep:
            raise SignatureError("malformed Authorization header")
        fields[key] = val
    try:
        return ParsedAuthorization(
            access_key=fields["Access"],
            signed_headers=[h for h in fields["SignedHeaders"].split(";") if h],
            signature=fields["Signature"],
        )
    except KeyError as missing:
        raise SignatureError(f"Authorization lacks {missing.args[0]}") from None


def verify_authorization(
    method: str,
    path: str,
    query_pairs: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    secret_for: Mapping[str, str],
    now: datetime | None = None,
    body: bytes = b"",
) -> ParsedAuthorization:
    """Check a request signed by an SDK; raise :class:`SignatureError` with the reason.

    ``secret_for`` maps access keys to secret keys. The comparison is constant-time.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    parsed = parse_authorization(lowered.get("authorization", ""))
    secret = secret_for.get(parsed.access_key)
    if secret is None:
        raise SignatureError("unknown access key")
    for required in ("host", DATE_HEADER.lower()):
        if required not in parsed.signed_headers:
            raise SignatureError(f"header {required} is not signed")
    missing = [name for name in parsed.signed_headers if name not in lowered]
    if missing:
        raise SignatureError(f"signed header {missing[0]} is absent")
    sdk_date = lowered[DATE_HEADER.lower()]
    try:
        signed_at = datetime.strptime(sdk_date, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError("X-Sdk-Date is not YYYYMMDDTHHMMSSZ") from None
    if abs((now or datetime.now(UTC)) - signed_at) > MAX_CLOCK_SKEW:
        raise SignatureError("X-Sdk-Date is more than 15 minutes off")
    canonical = canonical_request(method, path, query_pairs, lowered, parsed.signed_headers, body)
    expected = signature(secret, string_to_sign(canonical, sdk_date))
    if not hmac.compare_digest(expected, parsed.signature):
        raise SignatureError("signature does not match")
    return parsed
