"""The lifecycle rules: pure functions of registry, call sites, config and today's date."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from flagdebt.config import Config
from flagdebt.model import CallSite, Finding, Flag, Registry, Rule

if TYPE_CHECKING:
    from flagdebt.nearkeys import NearKeys


@dataclass(frozen=True)
class Context:
    """What every rule sees: nothing here does I/O, and `today` is a parameter."""

    registry: Registry
    sites: Sequence[CallSite]
    config: Config
    today: date
    whole_project: bool = True


def deadline(flag: Flag, config: Config) -> date | None:
    """The removal deadline: `remove_by`, else the settle date plus the type's lifetime."""
    if flag.remove_by is not None:
        return flag.remove_by
    sprints = config.max_sprints.get(flag.type or "release")
    if flag.settled is None or sprints is None:
        return None
    return later(flag.settled, timedelta(days=sprints * config.sprint_days))


def later(day: date, delta: timedelta) -> date:
    """`day + delta`, or the last date there is when that leaves the calendar (9999-12-31)."""
    try:
        return day + delta
    except OverflowError:
        return date.max


def is_expired(flag: Flag, config: Config, today: date) -> bool:
    """True when today is past the flag's deadline."""
    end = deadline(flag, config)
    return end is not None and today > end


def describe(flag: Flag) -> str:
    """The facts a message adds about a flag: type, rollout and owner."""
    facts = [f"{flag.type} flag" if flag.type else "untyped flag"]
    if flag.rolled_out:
        facts.append(f"fully rolled out {flag.rolled_out.isoformat()}")
    elif flag.rolled_back:
        facts.append(f"rolled back {flag.rolled_back.isoformat()}")
    if flag.remove_by:
        facts.append(f"remove by {flag.remove_by.isoformat()}")
    facts.append(f"owner: {flag.owner or 'none'}")
    return ", ".join(facts)


def _days(count: int) -> str:
    return "1 day" if abs(count) == 1 else f"{abs(count)} days"


def _site_finding(rule: Rule, site: CallSite, flag: Flag | None, message: str,
                  end: date | None = None) -> Finding:
    return Finding(site.path, site.line, site.col, rule.code, site.key or site.spelling, message,
                   rule.severity, flag.owner if flag else None, end, site.scope)


def _registry_finding(rule: Rule, ctx: Context, flag: Flag, message: str) -> Finding:
    return Finding(ctx.registry.path, flag.line, 1, rule.code, flag.key, message,
                   rule.severity, flag.owner, deadline(flag, ctx.config), "")


def _read_sites(ctx: Context) -> Iterator[tuple[CallSite, Flag]]:
    for site in ctx.sites:
        flag = None if site.dynamic else _lookup(ctx.registry, site)
        if flag is not None:
            yield site, flag


def _lookup(registry: Registry, site: CallSite) -> Flag | None:
    for name in site.names:
        flag = registry.lookup(name)
        if flag is not None:
            return flag
    return None


def expired_flag(ctx: Context) -> Iterator[Finding]:
    """## What it does
    Reports every place that reads a flag whose removal deadline has passed.
    The deadline is `remove_by` when set, else the day the flag was rolled out
    (or rolled back) plus `max-sprints` for its type times `sprint-days`.

    ## Why is this bad?
    A flag that reached its final value is a branch that is tested in neither state.
    Every sprint it stays, the dead path rots and the next change has to reason about both.

    ## Example
    ```python
    if flag_enabled("new-checkout"):  # rolled out 2026-09-01, release flag
        return new_checkout(cart)
    return old_checkout(cart)
    ```

    ## Use instead
    Remove the flag (`flagdebt remove new-checkout`), keeping the live branch:
    ```python
    return new_checkout(cart)
    ```
    """
    for site, flag in _read_sites(ctx):
        end = deadline(flag, ctx.config)
        if flag.archived is None and end is not None and ctx.today > end:
            age = (ctx.today - end).days
            message = (f"flag '{flag.key}' expired on {end.isoformat()}, {_days(age)} ago "
                       f"({describe(flag)})")
            yield _site_finding(EXPIRED, site, flag, message, end)


def expiring_flag(ctx: Context) -> Iterator[Finding]:
    """## What it does
    Warns about reads of a flag that was rolled out or rolled back more than
    `warn-after-sprints` sprints ago and whose deadline has not passed yet.

    ## Why is this bad?
    It is not yet debt, but it will be: plan the removal for the coming sprint
    rather than discovering it when the build turns red.

    ## Example
    ```python
    if flag_enabled("search-v2"):  # rolled out five weeks ago, expires in three
        ...
    ```

    ## Use instead
    File the removal now, or run `flagdebt remove search-v2` and merge it.
    """
    warn = timedelta(days=ctx.config.warn_after_sprints * ctx.config.sprint_days)
    for site, flag in _read_sites(ctx):
        end = deadline(flag, ctx.config)
        settled = flag.settled
        if flag.archived or settled is None or end is None or ctx.today > end:
            continue
        if ctx.today > later(settled, warn):
            left = (end - ctx.today).days
            message = (f"flag '{flag.key}' expires on {end.isoformat()}, in {_days(left)} "
                       f"({describe(flag)})")
            yield _site_finding(EXPIRING, site, flag, message, end)


def unknown_flag(ctx: Context) -> Iterator[Finding]:
    """## What it does
    Reports reads of a flag key that is neither a key nor an alias in the registry,
    and suggests the closest registered key when one is near (a typo).

    ## Why is this bad?
    An unregistered flag has no owner and no deadline, so nothing will ever ask for its
    removal. A misspelt key silently reads a flag that does not exist, usually as off.

    ## Example
    ```python
    if flag_enabled("new-chekout"):
        ...
    ```

    ## Use instead
    Fix the spelling, or register the flag in `flags.toml` with its type, owner and
    creation date. Keys written as constants can be registered through `aliases`.
    """
    near: NearKeys | None = None  # indexed on the first unknown key
    suggestions: dict[str, str | None] = {}
    for site in ctx.sites:
        if site.dynamic or _lookup(ctx.registry, site) is not None:
            continue
        shown = site.key if site.key is not None else site.spelling
        message = f"flag '{shown}' is not in the registry ({ctx.registry.path})"
        if shown not in suggestions:
            if near is None:
                from flagdebt.nearkeys import NearKeys

                near = NearKeys(_known_names(ctx.registry))
            suggestions[shown] = near.closest(shown)
        close = suggestions[shown]
        if close:
            message += f"; did you mean '{close}'?"
        elif site.key is None:  # `settings.NEW_NAV`, `Toggle.ONE_CLICK` from a vendored package
            message += "; a name flagdebt cannot resolve to a string: add it to its flag's `aliases`"
        yield _site_finding(UNKNOWN, site, None, message)


def _known_names(registry: Registry) -> list[str]:
    names = list(registry.flags)
    for flag in registry.flags.values():
        names.extend(flag.aliases)
    return names


def archived_flag(ctx: Context) -> Iterator[Finding]:
    """## What it does
    Reports reads of a flag that the registry marks as archived.

    ## Why is this bad?
    An archived flag was deleted from the flag system: the code reads a value that no
    longer exists and falls back to whatever default the SDK picks.

    ## Example
    ```python
    if flag_enabled("old-banner"):  # archived 2026-11-01
        show_banner()
    ```

    ## Use instead
    Remove the read with `flagdebt remove old-banner --value off` (or `on`, whichever
    value production had), or un-archive the flag if it is still needed.
    """
    for site, flag in _read_sites(ctx):
        if flag.archived is not None:
            message = (f"flag '{flag.key}' was archived on {flag.archived.isoformat()} "
                       f"but is still read here ({describe(flag)})")
            yield _site_finding(ARCHIVED, site, flag, message, flag.archived)


def incomplete_flag(ctx: Context) -> Iterator[Finding]:
    """## What it does
    Reports registry entries that lack `type`, `owner` or `created`.

    ## Why is this bad?
    Without a type flagdebt cannot tell a short-lived release flag from a permanent
    kill switch; without an owner nobody is asked to remove it; without a creation
    date a stalled flag goes unnoticed.

    ## Example
    ```toml
    [flags.new-checkout]
    description = "New checkout flow"
    ```

    ## Use instead
    ```toml
    [flags.new-checkout]
    type = "release"
    owner = "payments"
    created = 2026-06-01
    description = "New checkout flow"
    ```
    """
    for flag in ctx.registry.flags.values():
        missing = [name for name in ("type", "owner", "created") if getattr(flag, name) is None]
        if missing:
            message = f"flag '{flag.key}' has no {', '.join(missing)} in the registry"
            yield _registry_finding(INCOMPLETE, ctx, flag, message)


def dynamic_flag_key(ctx: Context) -> Iterator[Finding]:
    """## What it does
    Warns about flag reads whose key is a runtime value (a parameter, a local variable,
    an attribute of `self`, a call) that flagdebt cannot resolve to a registry key.

    ## Why is this bad?
    Nothing can check such a read: it is invisible to expiry rules and to the removal
    codemod, so the flag behind it can outlive its deadline unnoticed.

    ## Example
    ```python
    def guarded(name):
        return flag_enabled(name)
    ```

    ## Use instead
    Pass a literal, a module constant or an enum member at each call, or suppress the
    warning on a deliberate wrapper with `# flagdebt: ignore[FD006]`.
    """
    for site in ctx.sites:
        missing = site.missing_argument
        if missing is not None:
            which = f"keyword argument '{missing[9:-1]}'" if missing.endswith("=") \
                else f"{missing} (counting from 0)"
            message = (f"flag key missing: the call to '{site.callee}' has no {which}, "
                       "where its call pattern reads the key")
            yield _site_finding(DYNAMIC, site, None, message)
        elif site.dynamic:
            message = f"flag key '{site.spelling}' is a runtime value that flagdebt cannot check"
            yield _site_finding(DYNAMIC, site, None, message)


def unused_flag(ctx: Context) -> Iterator[Finding]:
    """## What it does
    Reports registered, non-archived flags that no code reads. Runs only when the
    whole project is scanned (no paths, or the project root), never on single files
    such as the ones a pre-commit hook passes.

    ## Why is this bad?
    The code was removed but the registry entry, and usually the flag in the flag
    system, stayed: it still costs an evaluation and confuses the next reader.

    ## Example
    ```toml
    [flags.old-search]   # no `flag_enabled("old-search")` left anywhere
    type = "release"
    ```

    ## Use instead
    Set `archived = <date>` on the entry (`flagdebt remove old-search --archive` does it)
    and delete the flag from the flag system.
    """
    if not ctx.whole_project:
        return
    used = {name for site in ctx.sites for name in site.names}
    for flag in ctx.registry.flags.values():
        if flag.archived is None and not used.intersection((flag.key, *flag.aliases)):
            message = f"flag '{flag.key}' is registered but no code reads it (owner: {flag.owner or 'none'})"
            yield _registry_finding(UNUSED, ctx, flag, message)


def stalled_flag(ctx: Context) -> Iterator[Finding]:
    """## What it does
    Warns about release and experiment flags created more than `stalled-after-sprints`
    sprints ago that were never rolled out or rolled back.

    ## Why is this bad?
    A release that never finished rolling out, or an experiment nobody concluded, keeps
    two code paths alive indefinitely; the removal clock never starts.

    ## Example
    ```toml
    [flags.new-search]
    type = "experiment"
    created = 2026-01-10   # never rolled out or back
    ```

    ## Use instead
    Decide: roll it out (`rolled_out = <date>`) or back (`rolled_back = <date>`) and
    remove it, or change its type if it is meant to stay.
    """
    stall = timedelta(days=ctx.config.stalled_after_sprints * ctx.config.sprint_days)
    for flag in ctx.registry.flags.values():
        if flag.type not in ("release", "experiment") or flag.created is None:
            continue
        if flag.settled is None and flag.archived is None and ctx.today > later(flag.created, stall):
            age = (ctx.today - flag.created).days
            message = (f"flag '{flag.key}' was created on {flag.created.isoformat()}, "
                       f"{_days(age)} ago, and was never rolled out or back ({describe(flag)})")
            yield _registry_finding(STALLED, ctx, flag, message)


def invalid_suppression(ctx: Context) -> Iterator[Finding]:
    """## What it does
    Warns about a `# flagdebt: ignore` comment that cannot be read: an `until=` that is not
    a date like 2026-12-31, a `[` without its `]`, or other text where the codes, the date
    or the `-- reason` belong. Such a comment silences nothing.

    ## Why is this bad?
    The author meant to silence a finding for a while; read loosely, a bad date would
    silence it forever and an unclosed `[` would silence every code.

    ## Example
    ```python
    if flag_enabled("search-v2"):  # flagdebt: ignore[FD001 until=2026-13-45
        ...
    ```

    ## Use instead
    `# flagdebt: ignore[FD001] until=2026-12-31 -- reason`.
    """
    return iter(())


def syntax_error(ctx: Context) -> Iterator[Finding]:
    """## What it does
    Reports Python files that could not be read or parsed (a syntax error, an unknown
    encoding, bytes that are not valid in the declared encoding). The file is skipped.
    Only files that mention a flag-reading function are parsed, and of those only the
    statements that can hold a flag read must parse: a syntax error elsewhere in such a
    file is left to the project's own linters.

    ## Why is this bad?
    flagdebt cannot see the flag reads of a file it cannot parse, so the other rules are
    silent about it.

    ## Example
    ```python
    if flag_enabled("new-checkout")
        ...
    ```

    ## Use instead
    Fix the file, or exclude it with `extend-exclude` if it is not Python.
    """
    return iter(())


def unused_suppression(ctx: Context) -> Iterator[Finding]:
    """## What it does
    Warns about a `# flagdebt: ignore[...]` comment that silences nothing on its line:
    the finding it was written for is gone, or it names the wrong code.

    ## Why is this bad?
    A stale suppression hides the next real finding on that line, and tells readers a
    problem exists where there is none.

    ## Example
    ```python
    if flag_enabled("search-v2"):  # flagdebt: ignore[FD001] -- flag was removed since
        ...
    ```

    ## Use instead
    Delete the comment, or correct the code it names. A suppression may carry an end
    date, `# flagdebt: ignore[FD001] until=2026-12-31 -- reason`, after which it stops
    silencing and the finding is reported again.
    """
    return iter(())


EXPIRED = Rule("FD001", "expired-flag", "error", expired_flag)
EXPIRING = Rule("FD002", "expiring-flag", "warning", expiring_flag)
UNKNOWN = Rule("FD003", "unknown-flag", "error", unknown_flag)
ARCHIVED = Rule("FD004", "archived-flag", "error", archived_flag)
INCOMPLETE = Rule("FD005", "incomplete-flag", "error", incomplete_flag)
DYNAMIC = Rule("FD006", "dynamic-flag-key", "warning", dynamic_flag_key)
UNUSED = Rule("FD007", "unused-flag", "warning", unused_flag)
STALLED = Rule("FD008", "stalled-flag", "warning", stalled_flag)
UNUSED_SUPPRESSION = Rule("FD009", "unused-suppression", "warning", unused_suppression)
INVALID_SUPPRESSION = Rule("FD010", "invalid-suppression", "warning", invalid_suppression)
SYNTAX = Rule("FD900", "syntax-error", "error", syntax_error)

RULES: tuple[Rule, ...] = (EXPIRED, EXPIRING, UNKNOWN, ARCHIVED, INCOMPLETE, DYNAMIC, UNUSED,
                           STALLED, UNUSED_SUPPRESSION, INVALID_SUPPRESSION, SYNTAX)
BY_CODE = {rule.code: rule for rule in RULES}


def rule_doc(rule: Rule) -> str:
    """The rule's documentation: its check function's docstring, dedented."""
    import inspect

    return inspect.cleandoc(rule.check.__doc__ or "") if rule.check else rule.doc


def rule_summary(rule: Rule) -> str:
    """The first sentence of the rule's "What it does" section, on one line."""
    doc = rule_doc(rule)
    section = doc.split("## What it does", 1)[-1].split("##", 1)[0]
    text = " ".join(section.split())
    return text.split(". ", 1)[0].rstrip(".") + "."


def rule_table() -> str:
    """The Markdown table of every rule, as the README shows it."""
    rows = ["| code | name | severity | what it reports |", "|---|---|---|---|"]
    rows += [f"| {r.code} | `{r.name}` | {r.severity} | {rule_summary(r)} |" for r in RULES]
    return "\n".join(rows) + "\n"


def is_selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """Whether a code passes `--select`/`--ignore`; the longer matching prefix wins."""
    chosen = max((len(p) for p in select if code.startswith(p)), default=-1 if select else 0)
    ignored = max((len(p) for p in ignore if code.startswith(p)), default=-1)
    if chosen < 0:
        return False
    return ignored < 0 or chosen > ignored


def evaluate(ctx: Context, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Run the rules and return their findings in report order."""
    findings: list[Finding] = []
    for rule in rules:
        if rule.check is not None:
            findings.extend(rule.check(ctx))
    return sorted(findings)
