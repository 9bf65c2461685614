"""Arrows point one way: `lib/` (pure domain logic) imports nothing from the apps, nor from
`demo/` (the demo generator), nor from Django or Celery; `demo/` may use `lib/` but no app.

Read from the source with `ast`, so imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Every top-level package of the project (a directory holding __init__.py): the apps,
# config, demo, tests.
PROJECT_PACKAGES = frozenset(p.parent.name for p in ROOT.glob("*/__init__.py"))
FRAMEWORKS = frozenset({"django", "django_htmx", "celery", "allauth", "kombu", "storages"})


def imported_modules(source: str) -> list[str]:
    """Every absolute module name the source imports, at any depth of the file."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def upward_imports(package: str, allowed: frozenset[str]) -> list[str]:
    """'path: module' for each import of a project package outside `allowed`, or a framework."""
    forbidden = (PROJECT_PACKAGES - allowed) | FRAMEWORKS
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in imported_modules(path.read_text(encoding="utf-8")):
            if module.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(ROOT)}: {module}")
    return found


def test_the_project_packages_are_found():
    # The rule below is only as good as this list: it must hold the apps and the demo.
    assert {"reviews", "screening", "appraisal", "reporting", "accounts", "demo", "lib"} <= (
        PROJECT_PACKAGES
    )


def test_the_detector_sees_imports_at_any_depth():
    source = (
        "import os\nfrom lib.dedup import score\nfrom . import sibling\n"
        "def f():\n    from reviews.models import Record\n    import demo.ris\n"
    )
    assert imported_modules(source) == ["os", "lib.dedup", "reviews.models", "demo.ris"]


def test_lib_imports_nothing_from_the_apps_the_demo_or_django():
    assert upward_imports("lib", allowed=frozenset({"lib"})) == []


def test_demo_imports_nothing_from_the_apps_or_django():
    assert upward_imports("demo", allowed=frozenset({"demo", "lib"})) == []


@pytest.mark.parametrize("package", ["lib", "demo"])
def test_the_scan_reads_real_files(package):
    # Not vacuous: each package's own files are read and their imports seen.
    modules = [
        m
        for path in (ROOT / package).rglob("*.py")
        for m in imported_modules(path.read_text(encoding="utf-8"))
    ]
    assert "dataclasses" in modules
