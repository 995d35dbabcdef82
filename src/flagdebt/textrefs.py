"""Names of Python definitions mentioned in a project's other text files.

Before the removal deletes a function, method or constant it made unused, the project's
templates, configuration and docs are searched for the name: a template may call a helper
(`{{ view.show_banner }}`), a YAML file may name a setting. A name found there is kept.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from flagdebt.paths import display_path

TEXT_SUFFIXES = frozenset({
    ".html", ".htm", ".txt", ".jinja", ".jinja2", ".j2", ".djhtml", ".xml", ".yaml", ".yml",
    ".json", ".toml", ".cfg", ".ini", ".md", ".rst", ".js", ".jsx", ".ts", ".tsx", ".vue",
})
SKIPPED_FOLDERS = frozenset({"node_modules", "site-packages", "__pycache__", "build", "dist",
                             "venv", "env", "htmlcov"})
MAX_BYTES = 2_000_000


def _text_files(root: str, skip: frozenset[str]) -> Iterable[str]:
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders
                               if not name.startswith(".") and name not in SKIPPED_FOLDERS)
        for name in sorted(names):
            path = os.path.join(folder, name)
            if os.path.splitext(name)[1].lower() in TEXT_SUFFIXES and path not in skip:
                yield path


def text_mentions(root: Path, names: Iterable[str], skip: Iterable[Path] = ()) -> dict[str, str]:
    """For each name found as a whole word in a non-Python text file under `root`, where
    (`path:line`, relative to `root`); files in `skip` (the registry) are not searched."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, wanted)) + r")\b")
    skipped = frozenset(os.path.abspath(path) for path in skip)
    found: dict[str, str] = {}
    for path in _text_files(os.path.abspath(root), skipped):
        try:
            if os.path.getsize(path) > MAX_BYTES:
                continue
            with open(path, encoding="utf-8", errors="replace") as stream:
                text = stream.read()
        except OSError:
            continue
        for match in pattern.finditer(text):
            if match.group(1) not in found:
                line = text.count("\n", 0, match.start()) + 1
                found[match.group(1)] = f"{display_path(path, root)}:{line}"
        if len(found) == len(wanted):
            break
    return found
