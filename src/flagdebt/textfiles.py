"""Flag reads outside Python: which files, which forms, and what check, report and remove do.

Templates and scripts are read only when a preset or `extend-include` asks for them, and a
file is decoded only when its bytes hold one of the forms' words (the same prefilter as for
Python). Template and script reads are call sites like any other; docs only mention flags.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flagdebt.fileio import read_fingerprinted, read_regular
from flagdebt.files import (
    DOC_SUFFIXES,
    SCRIPT_SUFFIXES,
    TEMPLATE_SUFFIXES,
    compile_excludes,
)
from flagdebt.jsscan import find_reads, trigger_words
from flagdebt.model import CallSite
from flagdebt.presets import get_preset
from flagdebt.templates import TemplateForms, find_reads_in_template, rewrite_template, template_forms

if TYPE_CHECKING:
    from flagdebt.config import Config
    from flagdebt.removal import Blocker, Change

TEMPLATE_FOLDERS = frozenset({"templates", "jinja2"})  # where a .txt file is a template
CANNOT_REWRITE_SCRIPT = "a JavaScript read: remove it by hand"


@dataclass(frozen=True)
class TextForms:
    """What to look for outside Python, and where (`include`: extend-include globs)."""

    templates: TemplateForms = TemplateForms()
    scripts: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    root: str = ""
    presets: bool = False  # without one, only the files `include` names are read

    @property
    def active(self) -> bool:
        return bool(self.scripts or self.templates.tags or self.templates.functions)

    def triggers(self) -> tuple[bytes, ...]:
        words = (*self.scripts, *self.templates.functions)
        return tuple(sorted({*trigger_words(words), *(t.encode() for t in self.templates.tags)}))


@dataclass(frozen=True, slots=True, order=True)
class Mention:
    """A flag key written in a doc."""

    path: str
    line: int
    key: str


def text_forms(config: Config) -> TextForms:
    """The non-Python forms of the config's presets, plus its plain calls as script forms
    when `extend-include` names files to read."""
    presets = [get_preset(name) for name in config.presets]
    plain = [".".join(p.name) for p in config.calls  # key first: `flag_enabled("x")`
             if p.arg == 0 and not (p.sdk or p.objects or p.mixins)] if config.extend_include else []
    templates = template_forms([t for p in presets for t in p.tags],
                               [p.library for p in presets if p.library],
                               [t for p in presets for t in (*p.tags, *p.other_tags)],
                               [f for p in presets for f in p.jinja])
    scripts = tuple(dict.fromkeys([s for p in presets for s in p.scripts] + plain))
    return TextForms(templates, scripts, config.extend_include, os.fspath(config.root),
                     bool(presets))


def kind(path: str, forms: TextForms) -> str | None:
    """'template', 'script' or 'doc' for a file this run reads, else None."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix in DOC_SUFFIXES:
        return "doc"
    if forms.include and _included(path, forms):
        return "script" if suffix in SCRIPT_SUFFIXES else "template"
    if not forms.presets:
        return None
    if suffix in SCRIPT_SUFFIXES and forms.scripts:
        return "script"
    if suffix == ".txt" and not TEMPLATE_FOLDERS.intersection(Path(path).parts[:-1]):
        return None
    return "template" if suffix in TEMPLATE_SUFFIXES and forms.active else None


def _included(path: str, forms: TextForms) -> bool:
    rel = os.path.relpath(path, forms.root).replace(os.sep, "/") if forms.root else path
    return compile_excludes(forms.include).path(rel, folder=False)


def _read(path: str) -> bytes | None:
    try:
        return read_regular(path)
    except OSError:
        return None


def scan_text(text: str, display: str, file_kind: str, forms: TextForms) -> list[CallSite]:
    """The flag reads of one template or script."""
    reads = list(find_reads(text, forms.scripts))
    found = [CallSite(display, r.line, r.col, None if r.dynamic else r.key, r.key, r.callee,
                      r.line, r.dynamic) for r in reads]
    if file_kind == "template":
        found += [CallSite(display, r.line, r.col, None if r.dynamic else r.key, r.key, r.callee,
                           r.line, r.dynamic) for r in find_reads_in_template(text, forms.templates)]
    return sorted(set(found))


def scan_texts(pairs: Iterable[tuple[str, str]], forms: TextForms) -> tuple[list[CallSite], int]:
    """Every read in the templates and scripts among `pairs`, and how many files were read."""
    triggers = forms.triggers()
    sites: list[CallSite] = []
    count = 0
    for path, display in pairs:
        file_kind = kind(path, forms)
        if file_kind in (None, "doc"):
            continue
        count += 1
        data = _read(path)
        if data is None or not any(word in data for word in triggers):
            continue
        sites += scan_text(data.decode("utf-8", "replace"), display, str(file_kind), forms)
    return sites, count


def find_mentions(pairs: Iterable[tuple[str, str]], spellings: Mapping[str, str],
                  forms: TextForms) -> list[Mention]:
    """Where docs write a flag's key or alias (`spellings`: spelling -> registry key)."""
    needles = {spelling.encode(): spelling for spelling in spellings}
    found: list[Mention] = []
    for path, display in pairs:
        if kind(path, forms) != "doc":
            continue
        data = _read(path)
        hits = [text for needle, text in needles.items() if data and needle in data]
        if not hits or data is None:
            continue
        lines = data.decode("utf-8", "replace").split("\n")
        for spelling in hits:
            word = re.compile(rf"(?<![\w-]){re.escape(spelling)}(?![\w-])")
            found += [Mention(display, number, spellings[spelling])
                      for number, line in enumerate(lines, 1) if word.search(line)]
    return sorted(set(found))


@dataclass
class TextRemoval:
    """The templates `remove` rewrites, the reads that block a flag's removal, the reads found."""

    changes: list[Change] = field(default_factory=list)
    blocking: list[Blocker] = field(default_factory=list)
    removed: int = 0
    found: Counter[str] = field(default_factory=Counter)


def plan_text_removal(pairs: Iterable[tuple[str, str]], values: Mapping[str, bool],
                      keys: Mapping[str, str], forms: TextForms) -> TextRemoval:
    """Fold the template blocks of the flags (`values`: every spelling -> final value; `keys`:
    spelling -> registry key); every read left, and every script read, blocks its flag."""
    from flagdebt.removal import Blocker, Change, Source

    plan = TextRemoval()
    needles = [spelling.encode() for spelling in values]
    for path, display in pairs:
        file_kind = kind(path, forms)
        if file_kind not in ("template", "script"):
            continue
        try:
            data, read_as = read_fingerprinted(path)
        except OSError:
            continue
        if not any(needle in data for needle in needles):
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            plan.blocking += [Blocker(display, 1, 1, keys[s], "not UTF-8: flagdebt cannot rewrite it")
                              for s in values if s.encode() in data]
            continue
        reads = [r for r in scan_text(text, display, str(file_kind), forms) if r.spelling in values]
        plan.found.update(keys[read.spelling] for read in reads)
        after, removed = text, 0
        if file_kind == "template":
            rewrite = rewrite_template(text, values, forms.templates)
            after, removed = rewrite.text, rewrite.removed
            plan.blocking += [Blocker(display, line, col, keys[key], reason)
                              for line, col, key, reason in rewrite.blocking]
        plan.blocking += [Blocker(display, r.line, r.col, keys[r.key], CANNOT_REWRITE_SCRIPT)
                          for r in find_reads(after, forms.scripts) if r.key in values]
        plan.removed += removed
        if after != text:
            bom = text.startswith("\ufeff")
            source = Source(Path(path), display, text.removeprefix("\ufeff"), "utf-8", bom,
                            read_as)
            plan.changes.append(Change(source, after.removeprefix("\ufeff"), removed))
    plan.blocking = sorted(set(plan.blocking))
    return plan


class OutsidePython:
    """What `remove` does outside Python files, for whichever flags are still being removed."""

    def __init__(self, config: Config, pairs: Sequence[tuple[str, str]],
                 aliases: Mapping[str, Sequence[str]]) -> None:
        self.pairs = pairs
        self.aliases = aliases
        self.forms = text_forms(config)

    def spellings(self, keys: Iterable[str]) -> dict[str, str]:
        """Every spelling of the flags -> its registry key."""
        return {s: key for key in keys for s in (key, *self.aliases.get(key, ()))}

    def plan(self, values: Mapping[str, bool]) -> TextRemoval:
        spellings = self.spellings(values)
        return plan_text_removal(self.pairs, {s: values[k] for s, k in spellings.items()},
                                 spellings, self.forms)

    def blockers(self, values: Mapping[str, bool]) -> list[Blocker]:
        return self.plan(values).blocking

    def mentions(self, keys: Iterable[str]) -> list[Mention]:
        return find_mentions(self.pairs, self.spellings(keys), self.forms)
