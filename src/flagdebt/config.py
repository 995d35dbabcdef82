"""[tool.flagdebt] in the nearest pyproject.toml -> a validated, frozen Config."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flagdebt.model import CallPattern

DEFAULT_CALLS = (CallPattern(("flag_enabled",)),)
DEFAULT_MAX_SPRINTS: dict[str, int | None] = {
    "release": 4,
    "experiment": 2,
    "ops": None,
    "permission": None,
}
DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", ".tox", ".nox",
    "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "build",
    "dist", "node_modules", "site-packages", "*.egg-info", "__pypackages__",
)


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know besides the registry and today's date."""

    root: Path
    config_path: Path | None = None
    registry: Path | None = None
    sprint_days: int = 14
    warn_after_sprints: int = 2
    max_sprints: dict[str, int | None] = field(default_factory=lambda: dict(DEFAULT_MAX_SPRINTS))
    stalled_after_sprints: int = 6
    calls: tuple[CallPattern, ...] = DEFAULT_CALLS
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @property
    def registry_path(self) -> Path:
        return self.registry if self.registry is not None else self.root / "flags.toml"

    @property
    def excludes(self) -> tuple[str, ...]:
        return self.exclude + self.extend_exclude
