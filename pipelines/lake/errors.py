"""The lake's one error type: a clear message for a problem with stored data or a write."""

from __future__ import annotations


class LakeError(Exception):
    """A lake read or write that cannot go on; the message says what and where."""
