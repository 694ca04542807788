"""Errors worded as kubectl words them; app.main prints error_line(err) and nothing else does."""
from __future__ import annotations

from kubectl_ijob.client.errors import ApiError, ConfigInvalid, ExecFailed, Unreachable
from kubectl_ijob.errors import IjobError, RollbackIncomplete


def error_line(err: IjobError) -> str:
    """`Error from server (Reason): ...`, `Unable to connect to the server: ...` (`The
    connection to the server H was refused - ...` when refused) or `error: ...`."""
    if isinstance(err, RollbackIncomplete):
        return "\n".join([error_line(err.original)] + [
            f"error: could not remove {what} created before the failure: {error_line(e)}"
            for what, e in err.leftovers])
    if isinstance(err, ApiError):
        return f"Error from server ({err.reason or 'Unknown'}): {err.message}"
    if isinstance(err, ConfigInvalid):
        return f"Error in configuration: {err.message}"
    if isinstance(err, Unreachable) and err.refused:
        return (f"The connection to the server {err.refused} was refused - did you specify "
                "the right host or port?")
    if isinstance(err, Unreachable):
        return f"Unable to connect to the server: {err.message}"
    if isinstance(err, ExecFailed):
        return error_line(err.cause) if err.cause is not None else err.message
    return f"error: {err.message}"


def one_line(text: str) -> str:
    """A message on one line: its lines joined, indentation dropped."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())
