"""kubectl is the oracle: the plugin, given the same kubeconfig and environment, must
reach the same server with the same credentials through the same proxy, or refuse
the same configurations with the same sentence. See harness.py for what is compared."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.parity import cases_clientcmd, cases_config, cases_proxy  # noqa: F401  (register their cases)
from tests.parity.cases import CASES, XFAIL
from tests.parity.harness import World, differences, run_kubectl, run_plugin


def _params() -> list[object]:
    return [pytest.param(name, id=name, marks=[pytest.mark.xfail(strict=True, reason=XFAIL[name])]
                         if name in XFAIL else []) for name in CASES]


@pytest.mark.parametrize("name", _params())
def test_plugin_agrees_with_kubectl(name: str, world: World, kubectls: dict[str, str],
                                    case_dir: Path) -> None:
    setup = CASES[name](world, case_dir)
    plugin = run_plugin(setup, case_dir, world.log)
    problems = []
    for label, binary in kubectls.items():
        oracle = run_kubectl(binary, setup, case_dir, world.log)
        problems += [f"[kubectl {label}] {p}" for p in differences(oracle, plugin)]
    assert not problems, "\n".join(problems)
