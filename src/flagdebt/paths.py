"""How paths are shown to people, and the glob syntax checked without pathspec."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

# Globs of these characters only: pathspec accepts them all (a test checks), and they
# have no negation, escapes, character classes or spaces.
SIMPLE_GLOB = re.compile(r"[\w.*?/+=@,~-]+")


def display_path(path: str | os.PathLike[str], cwd: str | os.PathLike[str]) -> str:
    """`path` relative to `cwd` when below it, else as given; always with forward slashes."""
    text, base = os.fspath(path), os.fspath(cwd)
    if text == base:
        return "."
    prefix = base.rstrip(os.sep) + os.sep
    if os.path.isabs(text) and text.startswith(prefix):
        text = text[len(prefix) :]
    return text.replace(os.sep, "/")


def display_paths(paths: Sequence[str], cwd: str | os.PathLike[str]) -> list[str]:
    """`display_path` for many absolute paths at once (the hot path of a large scan)."""
    base = os.fspath(cwd)
    prefix = base.rstrip(os.sep) + os.sep
    cut = len(prefix)
    slash = os.sep != "/"
    shown = [path[cut:] if path.startswith(prefix) else ("." if path == base else path)
             for path in paths]
    return [text.replace(os.sep, "/") for text in shown] if slash else shown
