"""The layers of docs/architecture.md hold, and the contract that states them can fail.

import-linter reads imports statically (nothing is executed), so the planted import below is
checked on a copy of the code, never on the tree itself.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def _packages() -> list[str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["root_packages"]


def _lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own tool, our own arguments
        [str(LINT), "--config", str(where / "pyproject.toml"), "--no-cache"],
        cwd=where,
        env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    for package in _packages():
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_its_layers():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "planted"),
    [
        (
            "situations/models.py",
            "from meetings.models import Meeting",
        ),  # the record knows no meeting
        ("core/errors.py", "import agencies.models"),  # the ground floor knows no domain
        ("agencies/models.py", "from situations import services"),
        ("barriers/views.py", "from dashboard import metrics"),
    ],
)
def test_a_reverse_import_breaks_the_contract(tmp_path, module, planted):
    copy = _copy(tmp_path)
    target = copy / module
    target.write_text(target.read_text() + f"\n{planted}  # planted by the test\n")
    result = _lint(copy)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
