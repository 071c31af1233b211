"""Who may call the simulator: an IAM token or an SDK-HMAC-SHA256 signature."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

from pipelines.sms.auth import SignatureError, verify_authorization

from .config import SimulatorConfig
from .faults import Faults
from .responses import Response, forbidden, unauthorized


def check_access(
    method: str,
    path: str,
    query_pairs: list[tuple[str, str]],
    headers: Mapping[str, str],
    config: SimulatorConfig,
    faults: Faults,
    request_id: str,
) -> Response | None:
    """``None`` when the caller is allowed, else the 401/403 to send.

    Signatures are checked against the real wall clock (the SDK signs with it),
    not the simulated one. Reasons never echo a token, key or signature.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    token = lowered.get("x-auth-token")
    if token is not None:
        if not hmac.compare_digest(token.encode(), config.token.encode()):
            return unauthorized("the token is invalid", request_id)
        if faults.token_expired():
            return unauthorized("the token has expired", request_id)
        return None
    if "authorization" not in lowered:
        return unauthorized("no X-Auth-Token or Authorization header", request_id)
    try:
        verify_authorization(
            method, path, query_pairs, headers, {config.ak: config.sk}, now=datetime.now(UTC)
        )
    except SignatureError as error:
        return unauthorized(str(error), request_id)
    project = lowered.get("x-project-id")
    if project != config.project_id:
        return forbidden("You do not have permission to perform action sms:server:listTask.")
    return None
