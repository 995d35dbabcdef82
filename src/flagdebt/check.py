"""`flagdebt check` without the command line: scan, evaluate the rules, apply suppressions."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flagdebt.config import Config
from flagdebt.files import split_files
from flagdebt.model import Finding, Registry
from flagdebt.project import ProjectIndex
from flagdebt.report import Summary, summarize
from flagdebt.rules import RULES, Context, evaluate, is_selected
from flagdebt.scanner import Progress, ScanResult, scan_paths
from flagdebt.suppression import apply_suppressions


@dataclass(frozen=True)
class Outcome:
    """What a check found, ready for a renderer."""

    findings: list[Finding]
    summary: Summary
    scan: ScanResult


def project_index(config: Config) -> ProjectIndex:
    """The module index rooted at the project root and its `src/` folder."""
    return ProjectIndex([config.root, config.root / "src"], config.target_version,
                        patterns=config.calls)


def run_check(config: Config, registry: Registry, files: Sequence[str | Path], displays: Sequence[str],
              today: date, whole_project: bool, progress: Progress | None = None,
              use_cache: bool = False) -> Outcome:
    """Scan the files, evaluate the selected rules and apply suppressions.

    With `use_cache`, unchanged files are answered from the project's result cache; a run
    on a few files (pre-commit's) reads only their entries.
    """
    cache = None
    if use_cache:
        from flagdebt.cache import project_cache

        cache = project_cache(config)
    python = [os.fspath(path) for path in files]
    shown, others = list(displays), list[tuple[str, str]]()
    if config.presets or config.extend_include:

        python, shown, others = split_files(python, displays)
    scan = scan_paths(python, shown, config.calls, project_index(config), progress=progress,
                      cache=cache, target=config.target_version)
    if others:
        from flagdebt.textfiles import scan_texts, text_forms

        sites, count = scan_texts(others, text_forms(config))
        scan.sites = sorted([*scan.sites, *sites])
        scan.files_scanned += count
    if cache is not None:
        cache.save(whole_project)

    def selected(code: str) -> bool:
        return is_selected(code, config.select, config.ignore)

    rules = [rule for rule in RULES if selected(rule.code)]
    context = Context(registry, scan.sites, config, today, whole_project)
    findings = evaluate(context, rules)
    if selected("FD900"):
        findings.extend(scan.errors)
    suppressed = apply_suppressions(findings, scan.sites, scan.suppressions, today, selected)
    kept = sorted(suppressed.findings + suppressed.unused)
    summary = summarize(kept, len(registry.flags), len(scan.sites), scan.files_scanned,
                        suppressed.silenced)
    return Outcome(kept, summary, scan)
