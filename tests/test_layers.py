"""The layers of docs/architecture.md hold: no module imports from a layer above its own.

The contracts live in pyproject.toml (``[tool.importlinter]``); ``lint-imports`` checks
them. The tests below also check that the contracts keep up with the code: every module
sits in a layer, every vendor folder is in the vendors' contract, and no two parts of
the layering import each other in a cycle.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "framekit"

# An observer is told between which processors a frame moved, and a processor calls its
# observers: the processor core names the observer protocol and the protocol names the
# processor. The contract puts them in one layer; this is the only cycle allowed.
ALLOWED_CYCLES = [
    {"framekit.observers", "framekit.processors.base", "framekit.processors.context"},
]


@cache
def _contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


@cache
def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("framekit", include_external_packages=False)


def _layer_modules() -> list[str]:
    """Every module a layer of the layers contract names (optional ones included)."""
    names: list[str] = []
    for layer in _contracts()["layers"]["layers"]:
        for name in re.split(r"[:|]", layer):
            names.append(name.strip().strip("()"))
    return names


def _unit(module: str, units: list[str]) -> str | None:
    """The layer module that ``module`` belongs to (the longest one that contains it)."""
    owners = [unit for unit in units if module == unit or module.startswith(unit + ".")]
    return max(owners, key=len) if owners else None


def test_the_contracts_are_kept() -> None:
    """Fails with lint-imports' report, which names each import that breaks a layer."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_module_is_in_a_layer() -> None:
    """A new package must be placed in the layering, not slip between the layers."""
    units = _layer_modules()
    placed = set(units)
    # A package whose layers are named separately (framekit.pipeline holds three) is
    # only their parent: its __init__ re-exports them.
    parents = {unit.rsplit(".", i)[0] for unit in units for i in range(1, unit.count(".") + 1)}
    missing = sorted(
        module
        for module in _graph().modules
        if _unit(module, units) is None and module not in parents and module not in placed
    )
    assert missing == [], f"place these modules in a layer of pyproject.toml: {missing}"


def test_every_vendor_is_kept_apart() -> None:
    """Each vendor package under framekit/services is in the vendors' independence contract."""
    listed = set(_contracts()["vendors-apart"]["modules"])
    vendors = {
        f"framekit.services.{folder.name}"
        for folder in (PACKAGE / "services").iterdir()
        if (folder / "__init__.py").exists()
    }
    missing = sorted(vendors - listed)
    assert missing == [], f"add these vendors to 'vendors-apart' in pyproject.toml: {missing}"


def test_every_stage_is_kept_apart_from_the_transports() -> None:
    """A new stage under framekit/processors is in both transport contracts."""
    core = {"framekit.processors.base", "framekit.processors.context", "framekit.processors.queued"}
    stages = {m for m in _layer_modules() if m.startswith("framekit.processors.")} - core
    contracts = _contracts()
    for contract, field in (
        ("transports-apart-from-stages", "forbidden_modules"),
        ("stages-apart-from-transports", "source_modules"),
    ):
        missing = sorted(stages - set(contracts[contract][field]))
        assert missing == [], f"add these stages to {contract!r} ({field}): {missing}"


def test_no_import_cycles_between_layer_modules() -> None:
    """Side by side (``:``) is not a licence for cycles: stages build on each other one way."""
    units = _layer_modules()
    graph = _graph()
    edges: dict[str, set[str]] = {unit: set() for unit in units}
    for module in graph.modules:
        importer = _unit(module, units)
        if importer is None:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = _unit(imported, units)
            if target is not None and target != importer:
                edges[importer].add(target)
    cycles = [component for component in _components(edges) if len(component) > 1]
    unexpected = [sorted(c) for c in cycles if c not in ALLOWED_CYCLES]
    assert unexpected == [], f"these layer modules import each other in a cycle: {unexpected}"


def test_the_cycle_check_finds_a_cycle() -> None:
    """The helper the check relies on does see a cycle, and only the modules in it."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert sorted(sorted(c) for c in _components(edges)) == [["a", "b", "c"], ["d"]]


def _components(edges: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of ``edges`` (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: set[str] = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            found.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found
