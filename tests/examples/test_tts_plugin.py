"""The text-to-speech plugin in examples/tts_plugin works from its own folder.

It is a vendor written outside framekit: a toy voice that speaks a tone per word. Its
own tests run here with only its ``src`` on ``sys.path``; it imports framekit's public
modules only; and docs/plugins.md shows its files as they are. So a new TTS vendor
needs its own folder and nothing else.
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
PLUGIN = ROOT / "examples" / "tts_plugin"
DOC = ROOT / "docs" / "plugins.md"
FILES = [
    PLUGIN / "pyproject.toml",
    PLUGIN / "src" / "framekit_tone_tts" / "__init__.py",
    PLUGIN / "tests" / "test_tone_tts.py",
]


def _load_tests() -> ModuleType:
    src = str(PLUGIN / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    spec = importlib.util.spec_from_file_location("_tts_plugin_tests", FILES[-1])
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TESTS = _load_tests()
CASES = [name for name in vars(TESTS) if name.startswith("test_")]


@pytest.mark.parametrize("name", CASES)
async def test_the_plugins_own_test_passes(name: str) -> None:
    test: Callable[[], Any] = getattr(TESTS, name)
    assert not inspect.signature(test).parameters, "plugin tests take no fixtures"
    result = test()
    if inspect.isawaitable(result):
        await result


def test_the_plugin_has_tests() -> None:
    assert len(CASES) >= 3


def test_the_plugin_imports_only_public_framekit_modules() -> None:
    for path in FILES[1:]:
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


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_docs_show_the_plugin_files_verbatim(path: Path) -> None:
    assert path.read_text().strip() in DOC.read_text(), f"docs/plugins.md is out of date: {path}"
