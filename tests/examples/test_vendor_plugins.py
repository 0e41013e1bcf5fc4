"""The vendor plugins in examples/ work from their own folders, as docs/plugins.md says.

Each is a vendor written outside framekit: a batch recognizer for the utterance stage
(``stt_plugins/batch``), a streaming one on the reconnecting session base, a toy
WebSocket protocol (``stt_plugins/streaming``), and a voice that speaks a tone per word
(``tts_plugin``). Their own tests run here with only their ``src`` on ``sys.path``; they
import framekit's public modules only; and docs/plugins.md shows their files as they
are. So a new vendor needs its own folder and nothing else.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DOC = ROOT / "docs" / "plugins.md"
FOLDERS = {
    "stt_plugins/batch": ("framekit_loudness_stt", "test_loudness_stt.py"),
    "stt_plugins/streaming": ("framekit_toy_stream_stt", "test_toy_stream_stt.py"),
    "tts_plugin": ("framekit_tone_tts", "test_tone_tts.py"),
}


def _files(folder: str) -> list[Path]:
    package, tests = FOLDERS[folder]
    base = EXAMPLES / folder
    return [base / "pyproject.toml", base / "src" / package / "__init__.py", base / "tests" / tests]


def _load_tests(folder: str) -> ModuleType:
    src = str(EXAMPLES / folder / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    name = "_plugin_tests_" + folder.replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, _files(folder)[-1])
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TESTS = {folder: _load_tests(folder) for folder in FOLDERS}
CASES = [
    (folder, name)
    for folder, module in TESTS.items()
    for name in vars(module)
    if name.startswith("test_")
]


@pytest.mark.parametrize(("folder", "name"), CASES, ids=[f"{f}:{n}" for f, n in CASES])
async def test_the_plugins_own_test_passes(folder: str, name: str) -> None:
    test: Callable[[], Any] = getattr(TESTS[folder], name)
    assert not inspect.signature(test).parameters, "plugin tests take no fixtures"
    result = test()
    if inspect.isawaitable(result):
        await result


@pytest.mark.parametrize("folder", list(FOLDERS))
def test_each_plugin_has_tests(folder: str) -> None:
    assert sum(1 for folder_, _ in CASES if folder_ == folder) >= 3


@pytest.mark.parametrize("folder", list(FOLDERS))
def test_a_plugin_imports_only_public_framekit_modules(folder: str) -> None:
    for path in _files(folder)[1:]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                if name.split(".")[0] == "framekit":
                    assert not any(part.startswith("_") for part in name.split(".")), (path, name)
                    assert importlib.util.find_spec(name) is not None, name


@pytest.mark.parametrize(
    "path",
    [p for folder in FOLDERS for p in _files(folder)],
    ids=lambda p: str(p.relative_to(EXAMPLES)),
)
def test_the_docs_show_the_plugin_files_verbatim(path: Path) -> None:
    assert path.read_text().strip() in DOC.read_text(), f"docs/plugins.md is out of date: {path}"
