"""Exec's channel protocol: the endings a real cluster cannot produce on demand."""
from __future__ import annotations

# ------------------------------------------------------------------ exec channels
# The real exec runs on the cluster (tests/e2e); these are the endings it cannot
# produce on demand: a socket that breaks before the status, and a silent one.

class FakeSocket:
    """Frames as the API server sends them: the channel byte, then the bytes."""

    def __init__(self, *frames) -> None:
        self.frames = list(frames)

    def settimeout(self, t: float) -> None:
        pass

    def recv_data(self, control_frame: bool = False):
        frame = self.frames.pop(0)
        if isinstance(frame, BaseException):
            raise frame
        return frame


def testread_channels_until_the_status_then_close():
    import websocket
    from kubectl_ijob.client.exec import read_channels, decode_status

    status = b'\x03{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":' \
             b'[{"reason":"ExitCode","message":"3"}]}}'
    ws = FakeSocket((2, b"\x01"), (2, b"\x01hel"), (2, b"\x02oops"), (2, b"\x01lo"), (2, status),
                    (websocket.ABNF.OPCODE_CLOSE, b""))
    channels, broken = read_channels(ws, 5)
    assert broken == "" and channels[1] == b"hello" and channels[2] == b"oops"
    assert decode_status("hello", "oops", channels[3].decode()).code == 3


def test_exec_socket_lost_before_the_status_is_not_success():
    import websocket
    from kubectl_ijob.client.exec import read_channels

    ws = FakeSocket((2, b"\x01partial"), websocket.WebSocketConnectionClosedException("gone"))
    channels, broken = read_channels(ws, 5)
    assert channels[1] == b"partial" and broken == "lost connection to the pod: gone"
    ws = FakeSocket((2, b'\x03{"status":"Success"}'), ConnectionResetError("reset"))
    assert read_channels(ws, 5)[1] == ""  # the status arrived: the ending is clean


def test_exec_silent_socket_times_out():
    import websocket
    from kubectl_ijob.client.exec import read_channels

    ws = FakeSocket((2, b"\x01x"), websocket.WebSocketTimeoutException("timed out"))
    assert read_channels(ws, 2.5)[1] == "exec did not finish within 2.5s"


def test_exec_failures_are_typed():
    from kubectl_ijob.client.errors import ExecFailed, Forbidden
    from kubectl_ijob.client.exec import decode_status, refusal_error

    res = decode_status("", "", '{"status":"Failure","message":"exec: \\"sh\\": executable file '
                                'not found in $PATH"}')
    assert isinstance(res.error, ExecFailed) and res.error.missing_executable and res.code is None
    assert not decode_status("", "", '{"status":"Failure","message":"boom"}').error.missing_executable
    refused = refusal_error('Handshake status 403 Forbidden -+-+- {"kind":"Status","code":403,'
                            '"reason":"Forbidden","message":"pods \\"p\\" is forbidden"}')
    assert isinstance(refused.cause, Forbidden) and refused.cause.status == 403
