"""Modules of the scanned project: names of files, and string constants other modules import."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from flagdebt.flagcall import FileSymbols, star_lookup
from flagdebt.grammar import Version, newer_than_running
from flagdebt.model import CallPattern

if TYPE_CHECKING:
    import ast

MAX_REEXPORTS = 4


@lru_cache(maxsize=4096)
def _is_package_dir(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "__init__.py"))


def module_of(path: str | os.PathLike[str]) -> tuple[str, bool]:
    """The dotted module name of a file (from its package folders) and whether it is a package."""
    folder, name = os.path.split(os.path.abspath(path))
    stem = name.rpartition(".")[0] or name
    is_package = stem == "__init__"
    names = [] if is_package else [stem]
    while _is_package_dir(folder):
        folder, name = os.path.split(folder)
        names.append(name)
    return ".".join(reversed(names)), is_package


def import_root(path: str | os.PathLike[str]) -> Path:
    """The folder a file's top-level package sits in: what `sys.path` must hold to import it."""
    return Path(_import_root(os.path.dirname(os.path.abspath(path))))


@lru_cache(maxsize=4096)
def _import_root(folder: str) -> str:
    while _is_package_dir(folder):
        folder = os.path.dirname(folder)
    return folder


def module_symbols(tree: ast.Module, module: str, is_package: bool,
                   patterns: Sequence[CallPattern] = ()) -> FileSymbols:
    """Module-level string constants, class attributes and imports of a parsed module
    (flag objects of the patterns' constructors count as constants holding their key)."""
    from flagdebt.astscan import body_imports, module_constants  # a warm run parses nothing

    return FileSymbols(module_constants(tree, patterns), body_imports(tree.body, module, is_package))


def newer_symbols(data: bytes, module: str, is_package: bool,
                  target: Version | None) -> FileSymbols | None:
    """The symbols of a module only a newer Python's grammar parses (libcst's), else None."""
    if not newer_than_running(target):
        return None
    from flagdebt import cstscan
    from flagdebt.scanner import decode_source

    try:
        scan = cstscan.scan_source(decode_source(data), "", (), module, is_package, target)
    except (UnicodeDecodeError, LookupError, SyntaxError):
        return None
    return scan.symbols if scan.error is None else None


class ProjectIndex:
    """Finds the modules of the project by name and reads their string constants on demand."""

    def __init__(self, roots: Iterable[Path], target: Version | None = None,
                 patterns: Sequence[CallPattern] = ()) -> None:
        self.target = target
        self.patterns = tuple(pattern for pattern in patterns if pattern.objects)
        self.roots: list[Path] = []
        for root in roots:
            self.add_root(root)
        self._modules: dict[str, FileSymbols | None] = {}

    def add_root(self, root: Path) -> None:
        root = root.absolute()
        if root not in self.roots:
            self.roots.append(root)

    def lookup(self, qualified: str, depth: int = 0) -> str | None:
        """The string value of `package.module.NAME` or `package.module.Class.ATTR`, if known."""
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            symbols = self.symbols(".".join(parts[:cut]))
            if symbols is None:
                continue
            attribute = ".".join(parts[cut:])
            if attribute in symbols.constants:
                return symbols.constants[attribute]
            target = symbols.imports.get(parts[cut])
            if depth >= MAX_REEXPORTS:
                return None
            if target is not None:
                return self.lookup(".".join([target, *parts[cut + 1:]]), depth + 1)
            return star_lookup(attribute, symbols.imports, lambda name: self.lookup(name, depth + 1))
        return None

    def symbols(self, module: str) -> FileSymbols | None:
        """The symbols of a project module, or None when no root holds it."""
        if module not in self._modules:
            self._modules[module] = self._read(module)
        return self._modules[module]

    def _read(self, module: str) -> FileSymbols | None:
        path = self.find(module)
        if path is None:
            return None
        try:
            import ast

            data = path.read_bytes()
            tree = ast.parse(data, filename=str(path))
        except SyntaxError:
            return newer_symbols(data, module, path.stem == "__init__", self.target)
        except (OSError, ValueError):
            return None
        return module_symbols(tree, module, path.stem == "__init__", self.patterns)

    def find(self, module: str) -> Path | None:
        """The file that defines a module under one of the roots."""
        relative = Path(*module.split("."))
        for root in self.roots:
            for candidate in (root / relative.with_suffix(".py"), root / relative / "__init__.py"):
                if candidate.is_file():
                    return candidate
        return None
