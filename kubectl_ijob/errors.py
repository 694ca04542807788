"""One error type, so the CLI has a single place that prints and exits.

Messages are already in kubectl's words: `error: ...` for local problems,
`Error from server (Reason): ...` for API errors, `Unable to connect to the server: ...`.
"""
from __future__ import annotations


class IjobError(Exception):
    """An error the user should see as one line on stderr, then exit with `code`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


def usage(message: str) -> IjobError:
    """A local validation error, worded like kubectl's `error: ...`."""
    return IjobError(f"error: {message}")


def from_server(reason: str, message: str, code: int = 1) -> IjobError:
    """An API error, worded like kubectl's `Error from server (Reason): message`."""
    return IjobError(f"Error from server ({reason or 'Unknown'}): {message}", code)


class NotFound(IjobError):
    """The object does not exist (HTTP 404); callers sometimes expect this."""


class AlreadyExists(IjobError):
    """The object exists already (HTTP 409)."""
