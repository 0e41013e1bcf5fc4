"""The plugin in examples/plugin_example works, and docs/plugins.md shows it as it is.

The example is not pip-installed here: its ``src`` goes on ``sys.path`` and a
``.dist-info`` written from its own ``pyproject.toml`` declares the entry point,
which is exactly what ``importlib.metadata`` sees after ``pip install``.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from framekit.cli import main
from framekit.plugins import ENTRY_POINT_GROUP, available_plugins, load_plugin
from framekit.processors import FrameProcessor

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "plugin_example"
PACKAGE_FILE = EXAMPLE / "src" / "framekit_profanity_filter" / "__init__.py"
TEST_FILE = EXAMPLE / "tests" / "test_profanity_filter.py"
DOC = ROOT / "docs" / "plugins.md"

if str(EXAMPLE / "src") not in sys.path:
    sys.path.insert(0, str(EXAMPLE / "src"))


def _load_example_tests() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_plugin_example_tests", TEST_FILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXAMPLE_TESTS = _load_example_tests()
EXAMPLE_TEST_NAMES = sorted(name for name in vars(EXAMPLE_TESTS) if name.startswith("test_"))


def _project() -> dict[str, Any]:
    with (EXAMPLE / "pyproject.toml").open("rb") as f:
        project: dict[str, Any] = tomllib.load(f)["project"]
    return project


@pytest.fixture
def installed_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The example's metadata as pip would install it; returns its entry points."""
    project = _project()
    entry_points: dict[str, str] = project["entry-points"][ENTRY_POINT_GROUP]
    info = tmp_path / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}")
    monkeypatch.syspath_prepend(str(tmp_path))
    return entry_points


def test_the_example_has_tests() -> None:
    assert len(EXAMPLE_TEST_NAMES) >= 5


@pytest.mark.parametrize("name", EXAMPLE_TEST_NAMES)
async def test_the_examples_own_test_passes(name: str) -> None:
    test: Callable[[], Any] = getattr(EXAMPLE_TESTS, name)
    assert not inspect.signature(test).parameters, "example tests take no fixtures"
    result = test()
    if inspect.isawaitable(result):
        await result


def test_the_entry_point_loads_a_working_processor(installed_example: dict[str, str]) -> None:
    assert installed_example == {"profanity_filter": "framekit_profanity_filter:ProfanityFilter"}
    assert available_plugins()["profanity_filter"].distribution == "framekit-profanity-filter"
    processor_class = load_plugin("profanity_filter")
    assert issubclass(processor_class, FrameProcessor)
    assert processor_class().name.startswith("ProfanityFilter#")


def test_the_docs_show_the_real_cli_output(
    installed_example: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plugins"]) == 0
    (line,) = [ln for ln in capsys.readouterr().out.splitlines() if "profanity" in ln]
    assert line in DOC.read_text()


@pytest.mark.parametrize(
    "path", [EXAMPLE / "pyproject.toml", PACKAGE_FILE, TEST_FILE], ids=lambda p: p.name
)
def test_the_docs_show_the_example_files_verbatim(path: Path) -> None:
    assert path.read_text().strip() in DOC.read_text(), f"docs/plugins.md is out of date: {path}"
