"""The plugin's error types, so callers branch on types and app.main alone prints.

Messages hold the facts only; the kubectl wording (`error: ...`, `Error from server
(Reason): ...`, `Unable to connect to the server: ...`) is added by render.error_line,
which app.main calls once. The API and transport errors live in client.errors.
"""
from __future__ import annotations


class IjobError(Exception):
    """Any error the user sees as one line on stderr before exiting with `code`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class UsageError(IjobError):
    """Bad input found before anything is sent (shown as `error: ...`)."""


class Failed(IjobError):
    """An operation ran and did not reach its goal: a timeout, a failed job, an exec."""


class RollbackIncomplete(IjobError):
    """A create failed and some objects made before the failure could not be removed."""

    def __init__(self, original: IjobError, leftovers: list[tuple[str, IjobError]]) -> None:
        super().__init__(original.message, original.code)
        self.original = original
        self.leftovers = leftovers  # (what, why it could not be removed)


def usage(message: str) -> UsageError:
    """A local validation error (kubectl prints these as `error: ...`)."""
    return UsageError(message)
