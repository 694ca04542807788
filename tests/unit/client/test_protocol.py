"""The real client and the tests' FakeClient both implement the KubeClient Protocol, with
the same parameters, so a fake cannot drift from what commands may call."""
import inspect

import pytest

from kubectl_ijob.client.protocol import KubeClient
from kubectl_ijob.client.transport import Client

from ..fakes import FakeClient

METHODS = sorted(n for n, v in vars(KubeClient).items()
                 if callable(v) and not n.startswith("_"))


def params(cls, name):
    sig = inspect.signature(getattr(cls, name))
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


def test_the_protocol_has_the_methods_commands_use():
    assert {"get_job", "list_pods", "create", "patch", "watch_pods", "exec"} <= set(METHODS)


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize("cls", [Client, FakeClient])
def test_implementations_match_the_protocol(cls, name):
    assert params(cls, name) == params(KubeClient, name)
