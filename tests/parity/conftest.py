"""Session fixtures: one PKI, the recording servers and proxies, the kubectl oracles.

Without `cryptography` (it makes the certificates) the directory is not collected."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Iterator

import pytest

if importlib.util.find_spec("cryptography") is None:
    collect_ignore_glob = ["*.py"]


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.parity.harness import World
    from tests.parity.pki import make_pki
    from tests.parity.proxies import Proxy
    from tests.parity.server import Listener, Log

    pki = make_pki(tmp_path_factory.mktemp("pki"))
    log = Log()
    w = World(pki=pki, log=log,
              a=Listener("a", log, pki.server, pki), b=Listener("b", log, pki.server, pki),
              nku=Listener("nku", log, pki.server_nku, pki),
              named=Listener("named", log, pki.server_named, pki),
              plain=Listener("plain", log, None, pki),
              http_proxy=Proxy("http-proxy", "http", log),
              socks_proxy=Proxy("socks-proxy", "socks5", log))
    yield w
    for s in (w.a, w.b, w.nku, w.named, w.plain, w.http_proxy, w.socks_proxy):
        s.close()


@pytest.fixture(scope="session")
def kubectls() -> dict[str, str]:
    from tests.parity.harness import kubectl_binaries

    found = kubectl_binaries()
    if not found:
        pytest.skip("kubectl is not installed: the parity tests need it as the oracle")
    return found


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    return tmp_path
