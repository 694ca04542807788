"""The layering, over the import graph (every import, function-level and TYPE_CHECKING too):

app -> commands -> {client, domain, render}; domain imports neither the client nor click
nor render; only client/ talks HTTP; no cycles; no `_private` name used outside its module.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "kubectl_ijob"
HTTP = {"urllib3", "websocket", "ssl", "kubernetes", "requests", "http", "socket"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def imports(name: str) -> list[tuple[str, str]]:
    """(imported module, imported name or "") for every import statement in a module."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(a.name, "") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            out += [(base, a.name) for a in node.names]
    return out


def internal_targets(name: str) -> set[str]:
    """The kubectl_ijob modules a module imports (a `from pkg import mod` counts as mod)."""
    out = set()
    for mod, item in imports(name):
        if f"{mod}.{item}" in MODULES:
            out.add(f"{mod}.{item}")
        elif mod in MODULES:
            out.add(mod)
    out.discard(name)
    return out


def in_layer(name: str, layer: str) -> bool:
    return name == f"kubectl_ijob.{layer}" or name.startswith(f"kubectl_ijob.{layer}.")


@pytest.mark.parametrize("name", [m for m in MODULES if in_layer(m, "domain")])
def test_domain_is_pure(name):
    for mod, _ in imports(name):
        top = mod.split(".")[0]
        assert top != "click", f"{name} imports click"
        assert top not in HTTP, f"{name} imports {mod}"
        for layer in ("client", "render", "commands", "app", "options"):
            assert not in_layer(mod, layer), f"{name} imports {mod}"


@pytest.mark.parametrize("name", [m for m in MODULES if not in_layer(m, "client")])
def test_only_the_client_talks_http(name):
    for mod, _ in imports(name):
        assert mod.split(".")[0] not in HTTP, f"{name} imports {mod}: only kubectl_ijob.client may"


@pytest.mark.parametrize("name", [m for m in MODULES
                                  if in_layer(m, "client") or in_layer(m, "render")])
def test_client_and_render_know_no_commands_or_click(name):
    for mod, _ in imports(name):
        assert mod.split(".")[0] != "click", f"{name} imports click"
        for layer in ("commands", "app", "options"):
            assert not in_layer(mod, layer), f"{name} imports {mod}"


@pytest.mark.parametrize("name", [m for m in MODULES if in_layer(m, "client")])
def test_the_client_knows_no_domain_or_render(name):
    for mod, _ in imports(name):
        for layer in ("domain", "render"):
            assert not in_layer(mod, layer), f"{name} imports {mod}"


def test_only_app_registers_commands():
    users = {m for m in MODULES if "kubectl_ijob.app" in internal_targets(m)}
    assert users <= {"kubectl_ijob.complete", "kubectl_ijob.__main__"}, users


def test_no_private_names_cross_modules():
    bad = [(m, mod, item) for m in MODULES for mod, item in imports(m)
           if mod.startswith("kubectl_ijob") and item.startswith("_") and not item.startswith("__")]
    assert not bad, bad


def test_no_import_cycles():
    graph = {m: internal_targets(m) for m in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                cycles.append(sorted(scc))

    for m in graph:
        if m not in index:
            visit(m)
    assert not cycles, cycles


def test_the_graph_is_read():
    """The checks above see real edges (a parser that saw nothing would pass them all)."""
    assert "kubectl_ijob.domain.model" in internal_targets("kubectl_ijob.domain.status")
    assert "kubectl_ijob.client.wire" in internal_targets("kubectl_ijob.client.exec")
    assert ("urllib3", "") in imports("kubectl_ijob.client.wire")
