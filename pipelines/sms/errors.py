"""The two ways reading SMS tasks can fail, each with the numbers a person needs to act.

:class:`SmsApiError` is one request the API refused (or kept failing); the Dagster
layer turns a non-retryable one into ``Failure(allow_retries=False)``.
:class:`ListingIncomplete` is a listing whose completeness could not be proven;
it is raised instead of returning a silently partial set of tasks.
Neither message ever contains a token, access key, secret key or signature.
"""

from __future__ import annotations

from collections.abc import Mapping


class SmsApiError(Exception):
    """An SMS API request that failed: a 4xx answer, or a retry budget spent on failures."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        error_msg: str | None = None,
        request_id: str | None = None,
        retryable: bool = False,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.request_id = request_id
        self.retryable = retryable
        details = [
            f"HTTP {status}" if status is not None else None,
            f"error_code={error_code}" if error_code else None,
            f"error_msg={error_msg!r}" if error_msg else None,
            f"request_id={request_id}" if request_id else None,
        ]
        detail_text = ", ".join(part for part in details if part)
        super().__init__(f"{message} ({detail_text})" if detail_text else message)


class ListingIncomplete(Exception):
    """The tasks read do not provably equal the tasks the API counts."""

    def __init__(
        self,
        message: str,
        *,
        expected: int,
        got: int,
        missing: int | None = None,
        extra: int | None = None,
        slice_filters: Mapping[str, str] | None = None,
    ) -> None:
        self.expected = expected
        self.got = got
        self.missing = max(expected - got, 0) if missing is None else missing
        self.extra = max(got - expected, 0) if extra is None else extra
        self.slice_filters = dict(slice_filters or {})
        where = f" in slice {self.slice_filters}" if self.slice_filters else ""
        super().__init__(
            f"{message}{where}: expected {expected} tasks, got {got} "
            f"(missing {self.missing}, extra {self.extra})"
        )
