"""Typed errors of the API and the transport, each chained to its cause (`raise ... from`).

Callers branch on the type (NotFound, Forbidden, Unreachable, ...), never on message
text; render.error_line words them as kubectl does.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from kubectl_ijob.errors import IjobError, UsageError


class ConfigInvalid(UsageError):
    """A kubeconfig kubectl refuses as `Error in configuration: ...`: the selected context
    does not exist, or several problems at once (then one `* problem` line each)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else
                         "".join(f"\n* {p}" for p in problems))
        self.problems = problems


class ApiError(IjobError):
    """An API status response: HTTP status, reason (e.g. NotFound), message and details."""

    def __init__(self, status: int, reason: str, message: str,
                 details: Optional[dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.status, self.reason, self.details = status, reason, details or {}


class BadRequest(ApiError):
    """HTTP 400."""


class Unauthorized(ApiError):
    """HTTP 401: the credentials were refused."""


class Forbidden(ApiError):
    """HTTP 403: RBAC does not allow it."""


class NotFound(ApiError):
    """HTTP 404: the object does not exist; callers sometimes expect this."""


class Conflict(ApiError):
    """HTTP 409: a stale resourceVersion or an object that exists already."""


class AlreadyExists(Conflict):
    """HTTP 409 with reason AlreadyExists."""


class Gone(ApiError):
    """HTTP 410: a watch's resourceVersion expired."""


class Invalid(ApiError):
    """HTTP 422: the object failed validation."""


class Unreachable(IjobError):
    """The server could not be reached (refused, reset, TLS, timeouts); `message` says how,
    in the Go words kubectl prints after `Unable to connect to the server:`. `refused` is
    the server's host:port when the connection was refused, which kubectl words apart."""

    def __init__(self, message: str, refused: Optional[str] = None) -> None:
        super().__init__(message)
        self.refused = refused


class ExecFailed(IjobError):
    """An exec that did not run the command: refused (`cause` set) or failed to start."""

    def __init__(self, message: str, cause: Optional[IjobError] = None,
                 missing_executable: bool = False, transient: bool = False) -> None:
        super().__init__(message)
        self.cause = cause
        self.missing_executable = missing_executable
        self.transient = transient  # the server or the runtime stumbled; a retry may run it


def transient(error: IjobError) -> bool:
    """Whether the same call may succeed a moment later: the connection or the server (5xx,
    a runtime past its deadline) stumbled - not a refusal, a missing tool or our deadline."""
    return isinstance(error, Unreachable) or (isinstance(error, ExecFailed) and error.transient)


_BY_STATUS: dict[int, type[ApiError]] = {400: BadRequest, 401: Unauthorized, 403: Forbidden,
                                         404: NotFound, 409: Conflict, 410: Gone, 422: Invalid}


def api_error(status: int, body: Any, reason: str = "") -> ApiError:
    """The typed error of an API status response (its reason, message and details)."""
    message, details = "", None
    try:
        doc = json.loads(body or b"{}")
        reason, message = doc.get("reason") or reason, doc.get("message") or ""
        details = doc.get("details")
    except (TypeError, ValueError, AttributeError):
        message = (body.decode("utf-8", "replace") if isinstance(body, bytes)
                   else str(body or "")).strip()
    if not message:
        message = (f"the server responded with the status code {status} but did not return "
                   "more information")
    cls = AlreadyExists if status == 409 and reason == "AlreadyExists" else \
        _BY_STATUS.get(status, ApiError)
    return cls(status, reason, message, details if isinstance(details, dict) else None)


def status_error(doc: dict[str, Any]) -> ApiError:
    """The typed error of a Status object (as an exec handshake returns it)."""
    return api_error(int(doc.get("code") or 500), json.dumps(doc).encode(), doc.get("reason", ""))


def connection_error(e: BaseException, host: str) -> Unreachable:
    """A transport failure, described as kubectl (Go's net/http) describes it."""
    text = str(e)
    cause = getattr(e, "reason", None) or e
    name = type(cause).__name__
    address = host.split("://", 1)[-1].rstrip("/")
    if "Timeout" in name or "timed out" in text:
        detail = f"dial tcp {address}: i/o timeout" if "Connect" in name else \
            "net/http: request canceled (Client.Timeout exceeded while awaiting headers)"
    elif "refused" in text:
        return Unreachable(f"dial tcp {address}: connect: connection refused",
                           refused=address.split("/")[0])
    elif "SSL" in name or "certificate" in text.lower():
        detail = f"tls: {cause}"
    elif "Name or service not known" in text or "nodename nor servname" in text:
        detail = f"dial tcp: lookup {address.split(':')[0]}: no such host"
    else:
        detail = str(cause)
    return Unreachable(detail)
