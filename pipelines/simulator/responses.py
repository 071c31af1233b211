"""Response bodies the simulated API and gateway send, shaped like the real ones."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

JSON = "application/json;charset=UTF-8"
HTML = "text/html"

INVALID_PARAMETER = "SMS.0205"  # undocumented for SMS; chosen, see docs/simulator.md
NO_PERMISSION = "SMS.9004"
GATEWAY_AUTH = "APIGW.0301"
GATEWAY_NOT_FOUND = "APIGW.0101"
GATEWAY_THROTTLED = "APIG.0308"


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: dict[str, object]) -> Response:
    return Response(status, orjson.dumps(payload))


def invalid_parameter(message: str) -> Response:
    return json_response(
        400, {"error_code": INVALID_PARAMETER, "error_msg": f"Invalid parameter: {message}"}
    )


def unauthorized(reason: str, request_id: str) -> Response:
    """The gateway's 401; ``reason`` must never contain a secret."""
    return json_response(
        401,
        {
            "error_code": GATEWAY_AUTH,
            "error_msg": f"Incorrect IAM authentication information: {reason}",
            "request_id": request_id,
        },
    )


def forbidden(message: str) -> Response:
    """403 shaped like the API page's example."""
    return json_response(
        403,
        {
            "error_code": NO_PERMISSION,
            "error_msg": (
                "The current account does not have the permission to execute policy. " + message
            ),
            "encoded_authorization_message": "c2ltdWxhdG9yOiBwcm9qZWN0IG1pc21hdGNo",
            "error_param": [message],
            "details": [{"error_code": NO_PERMISSION, "error_msg": message}],
        },
    )


def not_found(request_id: str) -> Response:
    return json_response(
        404,
        {
            "error_code": GATEWAY_NOT_FOUND,
            "error_msg": "The API does not exist or has not been published in the environment.",
            "request_id": request_id,
        },
    )


def throttled(request_id: str, retry_after_s: int) -> Response:
    response = json_response(
        429,
        {
            "error_code": GATEWAY_THROTTLED,
            "error_msg": "The throttling threshold has been reached",
            "request_id": request_id,
        },
    )
    response.headers["Retry-After"] = str(retry_after_s)
    return response


def server_error(status: int) -> Response:
    text = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}.get(
        status, "Gateway Timeout"
    )
    body = f"<html><head><title>{status} {text}</title></head><body>{text}</body></html>"
    return Response(status, body.encode(), HTML)


def non_json() -> Response:
    return Response(200, b"<html>gateway</html>", HTML)
