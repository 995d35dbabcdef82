"""Which SDK presets a project needs: from its declared dependencies, else from its imports."""

from __future__ import annotations

import configparser
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from flagdebt.presets import PRESETS

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name: str) -> str:
    """A distribution name as the package index compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(lines: Iterable[str]) -> set[str]:
    """The distribution names of requirement strings (`django-waffle>=4; python_version...`)."""
    names = set()
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if not text or text.startswith("-"):
            continue
        match = REQUIREMENT.match(text)
        if match:
            names.add(normalize(match[1]))
    return names


def _pyproject_requirements(data: dict[str, Any]) -> list[str]:
    project: dict[str, Any] = data.get("project") or {}
    found: list[str] = list(project.get("dependencies") or [])
    for extra in (project.get("optional-dependencies") or {}).values():
        found += list(extra)
    for group in (data.get("dependency-groups") or {}).values():
        found += [item for item in group if isinstance(item, str)]
    poetry = (data.get("tool") or {}).get("poetry") or {}
    found += list((poetry.get("dependencies") or {}).keys())
    for group in (poetry.get("group") or {}).values():
        found += list((group.get("dependencies") or {}).keys())
    return [item for item in found if isinstance(item, str)]


def declared_requirements(root: Path) -> set[str]:
    """Distribution names from pyproject.toml, requirements*.txt/.in and setup.cfg."""
    lines: list[str] = []
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        lines += _pyproject_requirements(data)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError, TypeError):
        pass
    patterns = ("requirements*.txt", "requirements*.in", "requirements/*.txt", "requirements/*.in")
    for path in sorted({p for pattern in patterns for p in root.glob(pattern)}):
        try:
            lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
    lines += _setup_cfg_requirements(root / "setup.cfg")
    return requirement_names(lines)


def _setup_cfg_requirements(path: Path) -> list[str]:
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return []
    lines = parser.get("options", "install_requires", fallback="").splitlines()
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            lines += value.splitlines()
    return lines


def imported_presets(files: Iterable[str | Path]) -> set[str]:
    """Presets whose module some file imports."""
    modules = {module: name for name, preset in PRESETS.items() for module in preset.modules
               if module.isidentifier()}
    statement = re.compile(
        rb"^[ \t]*(?:import|from)[ \t]+(" + b"|".join(m.encode() for m in modules) + rb")\b", re.M)
    found: set[str] = set()
    for path in files:
        try:
            data = Path(path).read_bytes()
        except OSError:
            continue
        found.update(modules[m.decode()] for m in statement.findall(data))
        if len(found) == len(PRESETS):
            break
    return found


def detect_presets(root: Path, files: Sequence[str | Path]) -> tuple[str, ...]:
    """The presets of the SDKs the project declares or imports, in the table's order."""
    declared = declared_requirements(root)
    wanted = {name for name, preset in PRESETS.items()
              if declared & {normalize(package) for package in preset.packages}}
    wanted |= imported_presets(files)
    return tuple(name for name in PRESETS if name in wanted)
