"""The removal cascade: flag calls become constants, logic folds, dead branches and imports go.

`rewrite_source` is the whole codemod on one module's text; `removal` applies it to files.
"""

from __future__ import annotations

import ast
import re
import sys
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from flagdebt.astscan import NESTED_IMPORT, body_imports, scan_tree, target_lines
from flagdebt.cleanup import ImportPruner, trim_head
from flagdebt.config import DEFAULT_CALLS, DEFAULT_FIXTURES, DEFAULT_OVERRIDES
from flagdebt.cstscan import QuickCallFinder, dotted, literal_bool
from flagdebt.definitions import drop_definitions
from flagdebt.fileio import megabytes
from flagdebt.flagcall import FileSymbols, KeyExpr, Lookup, Resolved, match_callee, resolve
from flagdebt.grammar import Version, parse_module, parse_with_stand_ins
from flagdebt.inline import inline_plan
from flagdebt.lines import BREAK, has_lone_cr, newline_of, split_lines
from flagdebt.model import CallPattern
from flagdebt.parametrized import Parametrized
from flagdebt.project import module_symbols
from flagdebt.splice import (
    Chunk,
    Nesting,
    any_within,
    body_chunks,
    chunks,
    dedent,
    import_names,
    indent,
    indent_of,
    inner_chunks,
    name_counts,
    splice,
    touching,
)
from flagdebt.testpins import TestFacts, owner_of, pin_lines, plan_tests, set_up_classes
from flagdebt.tidy import locals_of, plan_tidy
from flagdebt.transform import Outcome, Plan, Remover, Skip

MAX_TIDY_ROUNDS = 4
# libcst needs ~1 GB per MB of one statement (a 0.9 MB one-line list of 32,768 reads: 12 s,
# 850 MB); a larger top-level statement (or method) is reported and its file left alone.
STATEMENT_LIMIT = 512 * 1024
SELF_NAMES = ("self", "cls")
LONE_CR = re.compile(r"\r(?!\n)")
DECORATOR_OFF = "a decorator that gates on a flag that is off: decide by hand"
DYNAMIC = "a read whose key is computed at run time and may be this flag: rewrite by hand"
UNRESOLVED = "a read the rewrite could not resolve: rewrite by hand"
UNKNOWN_NAME = ("a read of '{}', whose value flagdebt cannot find, named like this flag: "
                "add that spelling to the flag's aliases, or rewrite by hand")
NOT_BOOLEAN = "a read of the flag's value, not of on/off: replace it by hand"
ATTRIBUTE = "a class attribute that gates a view on the flag: remove it (and the mixin) by hand"


class CannotRewrite(Exception):
    """The module could not be parsed, or its rewrite would not parse."""


class TooLarge(CannotRewrite):
    """A statement too large to hand to libcst (see STATEMENT_LIMIT)."""


@dataclass
class Rewrite:
    """The rewritten code and what happened on the way."""

    code: str
    removed: int = 0
    skipped: list[Skip] = field(default_factory=list)
    constants: set[str] = field(default_factory=set)  # module constants that held a removed key
    wrappers: dict[str, Outcome] = field(default_factory=dict)  # functions left as `return True`
    inlined: set[str] = field(default_factory=set)  # wrappers whose calls were replaced here
    tests: list[tuple[str, str]] = field(default_factory=list)  # deleted (`Class::test`), why
    undecided: list[Skip] = field(default_factory=list)  # tests left as they are, and why
    pruned: set[str] = field(default_factory=set)  # imports the rewrite left unused and removed
    found: Counter[str] = field(default_factory=Counter)  # reads (and overrides) found, by key


def snake(key: str) -> str:
    """A key as a Python name would spell it: `new-checkout` -> `new_checkout`."""
    return re.sub(r"[^0-9a-z]+", "_", key.lower()).strip("_")


class Wanted:
    """The flags to remove: their values by key, and every spelling that names them."""

    def __init__(self, values: Mapping[str, bool], aliases: Mapping[str, Sequence[str]]) -> None:
        self.values = dict(values)
        self.spellings = {spelling: key for key, names in aliases.items() for spelling in names}
        self.snakes: dict[str, str] = {}  # `new_checkout` -> the first key spelt so
        for key in self.values:
            self.snakes.setdefault(snake(key), key)
        self.last_names: dict[str, set[str]] = {}  # last name of a spelling (not the key) -> keys
        for spelling, key in self.spellings.items():
            if spelling != key:
                self.last_names.setdefault(spelling.rsplit(".", 1)[-1], set()).add(key)

    def key_of(self, resolved: Resolved) -> str | None:
        if resolved.dynamic:
            return None
        if resolved.key is not None and resolved.key in self.values:
            return resolved.key
        return self.spellings.get(resolved.spelling) or self.spellings.get(resolved.key or "")

    def named(self, spelling: str) -> str | None:
        """The flag an unresolved name is named like (`Feature.ONE_CLICK` for `one-click`)."""
        return self.snakes.get(spelling.rsplit(".", 1)[-1].lower())

    def mentioned(self, text: str, symbols: FileSymbols, lookup: Lookup) -> list[str]:
        """The flags a run-time key expression names: the key as a string literal, a spelling
        other than the key itself, or a dotted name that resolves to the key."""
        names = {re.sub(r"\s+", "", name)
                 for name in re.findall(r"[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*", text)}
        keys = {resolve(KeyExpr("ref", name), symbols, lookup).key for name in names}
        found = {key for key in keys if key in self.values}
        words = {part for name in names for part in name.split(".")}
        for word in words:
            found.update(self.last_names.get(word, ()))
        quotes = [at for at, char in enumerate(text) if char in "'\""]  # a key between quotes
        found.update(text[start + 1:end] for number, start in enumerate(quotes)
                     for end in quotes[number + 1:] if text[start + 1:end] in self.values)
        return sorted(found)


@dataclass
class _Context:
    """What every chunk of one module is rewritten with."""

    calls: Sequence[CallPattern]
    symbols: FileSymbols
    wanted: Wanted
    lookup: Lookup
    module: str
    is_package: bool
    wrappers: Mapping[str, Outcome]
    overrides: Sequence[CallPattern] = ()
    fixtures: Sequence[CallPattern] = ()
    keep_imports: frozenset[str] = frozenset()
    spent: frozenset[str] = frozenset()
    owner: str = ""  # the classes around the chunk being rewritten (`Outer::`)
    removed: frozenset[str] = frozenset()  # every key the run removes, `wanted` or not


def rewrite_source(source: str, values: Mapping[str, bool],
                   calls: Sequence[CallPattern] = DEFAULT_CALLS,
                   aliases: Mapping[str, Sequence[str]] | None = None, *, module: str = "",
                   is_package: bool = False, lookup: Lookup | None = None,
                   keep_constants: frozenset[str] | None = None,
                   wrappers: Mapping[str, Outcome] | None = None,
                   drop_functions: frozenset[str] = frozenset(),
                   overrides: Sequence[CallPattern] = DEFAULT_OVERRIDES,
                   fixtures: Sequence[CallPattern] = DEFAULT_FIXTURES,
                   keep_imports: frozenset[str] = frozenset(),
                   spent: frozenset[str] = frozenset(),
                   target: Version | None = None,
                   removed: frozenset[str] = frozenset()) -> Rewrite:
    """Remove the flags in `values` (key -> final value) from one module's source.

    `wrappers` maps the names of functions that only returned a removed flag to their value:
    calls to them are replaced too, and `drop_functions` names the definitions to remove
    when nothing in the module reads them any more. `keep_imports` names imports to keep
    even when the rewrite leaves them unused (tests patch them through this module);
    `spent` names patch targets of flag functions that only served the removed flags;
    `removed` holds every key the run removes (a pass that only inlines wrappers has no
    `values`), which tells a test's use of a wrapper from a namesake attribute.
    """
    tree, hidden = _parse_source(source, target)
    symbols = module_symbols(tree, module, is_package, calls)
    context = _Context((*calls, *overrides, *fixtures), symbols, Wanted(values, aliases or {}),
                       lookup or _no_lookup, module, is_package, wrappers or {}, overrides,
                       fixtures, keep_imports, spent, removed=removed | frozenset(values))
    targets = target_lines(source, context.calls, _wrapper_names(context.wrappers))
    _check_hidden(source, hidden, targets, context)
    try:
        return _rewrite(source, tree, context, keep_constants, drop_functions, methods=True)
    except TooLarge:
        raise
    except CannotRewrite:  # e.g. a class body left empty: rewrite whole classes instead
        return _rewrite(source, tree, context, keep_constants, drop_functions, methods=False)


def _parse_source(source: str, target: Version | None) -> tuple[ast.Module, list[range]]:
    """The module's parse, and the lines of the statements only a newer Python than the
    running one parses (stand-ins in the parse; see `grammar.stand_ins`)."""
    try:
        return parse_with_stand_ins(source, target)
    except (SyntaxError, ValueError) as error:
        raise _cannot_parse(error, "cannot parse") from None


def _check_hidden(source: str, hidden: Sequence[range], targets: Sequence[int],
                  context: _Context) -> None:
    """A flag read inside a statement only a newer Python parses cannot be rewritten here."""
    lines = split_lines(source)
    for span in hidden:
        if any(line in span for line in targets):
            text = "\n".join(lines[span.start - 1:span.stop - 1])
            if context.wanted.mentioned(text, context.symbols, context.lookup):
                running = ".".join(map(str, sys.version_info[:2]))
                raise CannotRewrite(f"the flag is read in a statement (line {span.start}) that "
                                    f"the Python {running} flagdebt runs on cannot parse: run "
                                    "flagdebt under the project's Python to rewrite it")


def _rewrite(source: str, tree: ast.Module, context: _Context,
             keep_constants: frozenset[str] | None, drop_functions: frozenset[str],
             methods: bool) -> Rewrite:
    lines = split_lines(source, keepends=True)
    every = chunks(tree)
    targets = target_lines(source, context.calls, _wrapper_names(context.wrappers))
    selected = touching(every, sorted(set(targets)))
    if methods:
        whole = sorted({*targets, *set_up_classes(tree, targets)})  # see testpins._set_up_dead
        selected = [inner for chunk in selected for inner in inner_chunks(chunk, lines, whole)]
    result = Rewrite(source)
    reads = sorted(_wanted_reads(source, tree, context, targets, result))
    wanted = {line for line, _, _ in reads} | pin_lines(source, targets)
    if context.wrappers:
        wanted.update(target_lines(source, (), _wrapper_names(context.wrappers)))
    ordered = sorted(wanted)
    selected = [chunk for chunk in selected if any_within(ordered, chunk.start + 1, chunk.end)]
    classes = Nesting(tree.body)
    modules: dict[Chunk, cst.Module] = {}
    for chunk in selected:  # chunks never overlap: the reads of each are a slice of `reads`
        context.owner = owner_of(classes, chunk.start + 1)
        inside = reads[bisect_right(reads, (chunk.start + 1,)):bisect_right(reads, (chunk.end + 1,))]
        rewritten = _rewrite_chunk(chunk, lines, context, result, inside, classes)
        if rewritten is not None:
            modules[chunk] = rewritten
    texts = {chunk: _render(node, chunk, lines) for chunk, node in modules.items()}
    code, after = _spliced(lines, texts) if texts else (source, tree)
    result.pruned = _prune_imports(after, lines, every, modules, texts, context.keep_imports) \
        if modules else set()
    if result.pruned:
        code, after = _spliced(lines, texts)
    result.constants = {name for name, value in context.symbols.constants.items()
                        if name.count(".") <= 1 and value in context.wanted.values}
    if drop_functions and _drop_functions(after, every, texts, drop_functions):
        code, after = _spliced(lines, texts)
    unread = {name.rsplit(".", 1)[-1] for name in result.constants - (keep_constants or frozenset())}
    own_methods = {name.split(".", 1)[1] for name in drop_functions if "." in name}
    if unread or own_methods:
        constructors = frozenset(name.rsplit(".", 1)[-1] for pattern in context.calls
                                 for name in pattern.objects)
        pruned = drop_definitions(code, unread, own_methods, constructors)
        if pruned != code:
            code = _without_lost_imports(after, pruned)
    result.code = _docstring_gap(tree, source, code) if code != source else code
    result.skipped.sort()
    return result


DEFINITION = re.compile(r"\s*(?:async\s+def|def|class|@)\b")


def _docstring_gap(tree: ast.Module, source: str, code: str) -> str:
    """When what followed the module docstring went (a flag SDK's imports, say), the
    statement that comes to follow it gets the docstring's own gap back, not the two lines
    that set it apart from those imports; a function or class keeps its two (black's rules)."""
    body = tree.body
    if len(body) < 2 or not (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                             and isinstance(body[0].value.value, str)):
        return code
    end = body[0].end_lineno or body[0].lineno
    if body[1].lineno <= end:  # `"""Doc."""; x = 1`: nothing to space
        return code
    old = source.splitlines(keepends=True)
    gap = 0
    while end + gap < len(old) and not old[end + gap].strip():
        gap += 1
    new = code.splitlines(keepends=True)
    if new[:end] != old[:end]:
        return code
    blank = 0
    while end + blank < len(new) and not new[end + blank].strip():
        blank += 1
    following = next((line for line in new[end + blank:] if not line.lstrip().startswith("#")), "")
    if blank <= gap or not following.strip() or DEFINITION.match(following):
        return code
    return "".join([*new[:end + gap], *new[end + blank:]])


def _spliced(lines: Sequence[str], texts: dict[Chunk, str]) -> tuple[str, ast.Module]:
    """The module with the new chunk texts, and its parse: a rewrite must parse."""
    code = splice(lines, texts)
    return code, _parse(code, "the rewrite would not parse")


Read = tuple[int, int, str]  # line, column, key


def _wanted_reads(source: str, tree: ast.Module, context: _Context, targets: list[int],
                  result: Rewrite) -> list[Read]:
    """The reads of the flags, by the fast engine: only their chunks go to libcst.

    A read whose key is computed at run time but mentions one of the flags is reported.
    """
    scan = scan_tree(tree, source, "", context.calls, context.module, context.is_package, targets)
    context.symbols.clients.update(scan.symbols.clients)
    attributes = {pattern.name[-1] for pattern in context.calls if pattern.mixins}
    reads: list[Read] = []
    for site in scan.sites:
        resolved = resolve(site.key, scan.symbols, context.lookup)
        key = context.wanted.key_of(resolved)
        if key is not None and site.callee in attributes and not site.decorator:
            result.skipped.append(Skip(site.line, site.col, key, ATTRIBUTE))  # no call to fold
            result.found[key] += 1
        elif key is not None:
            reads.append((site.line, site.col, key))
        elif resolved.dynamic:
            for key in context.wanted.mentioned(resolved.spelling, scan.symbols, context.lookup):
                result.skipped.append(Skip(site.line, site.col, key, DYNAMIC))
                result.found[key] += 1
        elif resolved.key is None and (key := context.wanted.named(resolved.spelling)):
            result.skipped.append(Skip(site.line, site.col, key, UNKNOWN_NAME.format(resolved.spelling)))
            result.found[key] += 1
    return reads


def _parse(source: str, problem: str) -> ast.Module:
    """A rewrite's parse (a file in a newer grammar: with stand-ins, `grammar.parse_module`)."""
    try:
        return parse_module(source)
    except (SyntaxError, ValueError) as error:
        raise _cannot_parse(error, problem) from None


def _cannot_parse(error: SyntaxError | ValueError, problem: str) -> CannotRewrite:
    where = f", line {error.lineno}" if isinstance(error, SyntaxError) else ""
    reason = error.msg if isinstance(error, SyntaxError) else str(error)
    return CannotRewrite(f"{problem}: {reason}{where}")


def _code(node: cst.Module) -> str:
    return node.code if node.body or node.header or node.footer else ""


def _render(node: cst.Module, chunk: Chunk, lines: Sequence[str]) -> str:
    """A rewritten chunk's text, at its indentation and with its line breaks."""
    text = indent(_code(node), indent_of(chunk, lines))
    return BREAK.sub("\r", text) if newline_of(lines[chunk.start]) == "\r" else text


def _for_cst(text: str) -> str:
    """libcst cannot parse a line ended by a lone CR, which Python reads as a line end."""
    return LONE_CR.sub("\n", text) if has_lone_cr(text) else text


def _rewrite_chunk(chunk: Chunk, lines: Sequence[str], context: _Context, result: Rewrite,
                   reads: Sequence[Read], classes: Nesting) -> cst.Module | None:
    """Rewrite one chunk; None when it reads none of the flags.

    `reads`: what the fast engine found in the chunk; one libcst cannot match is reported.
    """
    text = _for_cst(dedent(chunk, lines) or "")
    if len(text) > STATEMENT_LIMIT:
        raise TooLarge(f"a statement too large to rewrite (line {chunk.start + 1}: "
                            f"{megabytes(len(text))}, the limit is {megabytes(STATEMENT_LIMIT)})")
    try:
        tree = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise CannotRewrite(f"cannot parse: {error.message}") from None
    finder = QuickCallFinder(context.calls, context.module, context.is_package)
    finder.nested_imports = NESTED_IMPORT.search(text) is not None
    finder.symbols.imports.update(context.symbols.imports)
    finder.symbols.imports.update(_class_imports(classes, chunk, context))
    finder.symbols.constants.update(context.symbols.constants)
    finder.symbols.clients.update(context.symbols.clients)
    tree.visit(finder)
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)

    def locate(node: cst.CSTNode) -> tuple[int, int]:
        start = wrapper.resolve(PositionProvider)[node].start
        return start.line + chunk.start, start.column + 1

    plan = Plan()
    keys: dict[int, str] = {}
    fixtures: dict[int, str] = {}
    matched: list[cst.Call] = []
    tests = Parametrized(tree)  # the functions around calls: found on first use
    for match in finder.matches:
        resolved = resolve(match.site.key, finder.symbols, context.lookup)
        key = context.wanted.key_of(resolved)
        if resolved.key is not None or key is not None:
            keys[id(match.call)] = key or resolved.key or ""
        if key is None:
            continue
        matched.append(match.call)
        result.found[key] += 1
        value = context.wanted.values[key] != resolved.negated
        if not match.boolean:
            result.skipped.append(Skip(*locate(match.call), key, NOT_BOOLEAN))
            continue
        callee = dotted(match.call.func)
        if match_callee(callee, context.overrides, finder.symbols.imports):
            _plan_override(match.call, value, key, plan, result, locate, tests,
                           [m.call for m in finder.matches])
            continue
        if match_callee(callee, context.fixtures, finder.symbols.imports):
            fixtures[id(match.call)] = key
            continue
        pattern = match_callee(callee, context.calls, finder.symbols.imports)
        if pattern is not None and pattern.outcomes is not None:
            _plan_outcome(match.call, pattern.outcomes[0 if value else 1], key, plan, result, locate)
            continue
        if not match.site.decorator:
            plan.calls[id(match.call)] = value
            continue
        plan.decorators[id(match.call)] = value
        if not value:
            result.skipped.append(Skip(*locate(match.call), key, DECORATOR_OFF))
    if len(matched) < len(reads):
        _report_unmatched(reads, {locate(call)[0] for call in matched}, result)
    if context.wrappers:
        for call, name in _wrapper_calls(tree, context.wrappers):
            outcome = context.wrappers[name]
            if isinstance(outcome, bool):
                plan.calls[id(call)] = outcome
            else:
                plan.outcomes[id(call)] = cst.parse_expression(outcome)
            result.inlined.add(name)
    _plan_tests(tree, plan, context, finder.symbols, keys, fixtures, result, locate)
    if not (plan.calls or plan.outcomes or plan.decorators or plan.overrides or plan.dropped
            or plan.doomed):
        return None
    inline_plan(wrapper, finder.assignments, plan.calls, plan.names, plan.dropped)
    remover = Remover(plan, tree, locate, in_class=bool(indent_of(chunk, lines)))
    rewritten = tree.visit(remover)
    result.removed += remover.removed
    result.skipped.extend(remover.skipped)
    result.wrappers.update(remover.wrappers)
    return _tidy(tree, rewritten, result, lambda node: (chunk.start + 1, 1), remover.classes > 0,
                 text)


def _tidy(before: cst.Module, after: cst.Module, result: Rewrite,
          locate: Callable[[cst.CSTNode], tuple[int, int]], in_class: bool,
          source: str) -> cst.Module:
    """Unused locals and locals left holding a literal, until nothing more changes."""
    if not _may_tidy(source, after.code):
        return after
    old, _ = locals_of(before)
    for _ in range(MAX_TIDY_ROUNDS):
        tidy = plan_tidy(old, *locals_of(after))
        if not tidy:
            break
        remover = Remover(Plan(dropped=tidy.dropped, literals=tidy.literals), after, locate, in_class)
        after = after.visit(remover)
        result.skipped.extend(remover.skipped)
        result.wrappers.update(remover.wrappers)
    return after


ASSIGNED = re.compile(r"^[ \t]*([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)", re.M)
LITERAL_ASSIGNED = re.compile(r"^[ \t]*([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*"
                              r"(?:True|False|None|\[\]|\{\}|\(\)|\"\"|''|-?\d[\w.]*)[ \t]*(?:#.*)?$", re.M)
WORDS = re.compile(r"[A-Za-z_]\w*")


def _may_tidy(before: str, after: str) -> bool:
    """Whether a clean-up can apply: a local (a name assigned at the start of a line) is read or
    assigned less often than before, or is now assigned a literal. A cheap test on the texts
    that spares the scope analysis of most chunks."""
    assigned = set(ASSIGNED.findall(before))
    if not assigned:
        return False
    if set(LITERAL_ASSIGNED.findall(after)) & assigned:
        return True
    had, has = Counter(WORDS.findall(before)), Counter(WORDS.findall(after))
    return any(has[name] < had[name] for name in assigned)


def _report_unmatched(reads: Sequence[Read], lines: set[int], result: Rewrite) -> None:
    """Reads the fast engine found on lines where libcst matched none: left, and reported."""
    for line, col, key in reads:
        if line not in lines:
            result.skipped.append(Skip(line, col, key, UNRESOLVED))
            result.found[key] += 1


def _class_imports(classes: Nesting, chunk: Chunk, context: _Context) -> dict[str, str]:
    """The imports of the class bodies around a chunk cut out of a class (decorators see them)."""
    found: dict[str, str] = {}
    for outer in classes.around(chunk.start + 1):
        if chunk.end > (outer.end_lineno or 0) or outer.body[0].lineno > chunk.start + 1:
            break
        found.update(body_imports(outer.body, context.module, context.is_package))
    return found


def _plan_outcome(call: cst.Call, argument: int | str, key: str, plan: Plan, result: Rewrite,
                  locate: Callable[[cst.CSTNode], tuple[int, int]]) -> None:
    """A call that returns a value: it becomes the argument holding the live outcome."""
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    given = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    if isinstance(argument, int):
        value = positional[argument] if argument < len(positional) else None
    else:
        value = given.get(argument)
    if value is None or any(arg.star for arg in call.args):
        result.skipped.append(Skip(*locate(call), key, f"the argument holding the live value "
                                                       f"({argument}) is not given: decide by hand"))
    else:
        plan.outcomes[id(call)] = value


def _plan_override(call: cst.Call, value: bool, key: str, plan: Plan, result: Rewrite,
                   locate: Callable[[cst.CSTNode], tuple[int, int]],
                   tests: Parametrized, calls: Sequence[cst.Call]) -> None:
    """`@override_flag(key, active=...)`: kept code goes when `active` is the flag's final value.

    `active` may be a test's parameter over True and False (`flagdebt.parametrized`): the
    dead run goes with the parametrization, the parameter becomes the live value."""
    given = _active_argument(call)
    active = literal_bool(given)
    if active is not None:
        plan.overrides[id(call)] = active == value
        return
    planned = tests.plan(call, given, calls) if given is not None else \
        "an override whose `active` is not True or False: decide by hand"
    if isinstance(planned, str):
        result.skipped.append(Skip(*locate(call), key, planned))
        return
    function, decorator, parameter, reads = planned
    plan.overrides[id(call)] = True
    plan.unparametrized.add(decorator)
    plan.names.update(dict.fromkeys(reads, value))
    plan.params[function] = plan.params.get(function, frozenset()) | {parameter}


def _active_argument(call: cst.Call) -> cst.BaseExpression | None:
    """The `active` argument of a flag override (keyword, or second positional)."""
    positional = [arg.value for arg in call.args if arg.keyword is None]
    given = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    return given.get("active", positional[1] if len(positional) > 1 else None)


def _plan_tests(tree: cst.Module, plan: Plan, context: _Context, symbols: FileSymbols,
                keys: dict[int, str], fixtures: dict[int, str], result: Rewrite,
                locate: Callable[[cst.CSTNode], tuple[int, int]]) -> None:
    """Mocks, fixtures and assertions of the removed flags in the chunk's tests."""
    def key_of(spelling: str, reference: bool = False) -> str | None:
        expr = KeyExpr("ref" if reference else "str", spelling)
        return context.wanted.key_of(resolve(expr, symbols, context.lookup))

    reads = [p for p in context.calls if p not in context.overrides and p not in context.fixtures]
    plain = {name.rsplit(".", 1)[-1]: value for name, value in context.wrappers.items()
             if isinstance(value, bool)}  # a method's mock is `patch.object(Class, "name")`
    facts = TestFacts(reads, context.wanted.values, key_of, plain, keys, fixtures,
                      context.spent, context.removed)
    verdicts = plan_tests(tree, plan, facts)
    result.tests.extend((context.owner + name, why) for name, why in verdicts.deleted)
    result.undecided.extend(Skip(*locate(node), key, f"{context.owner}{reason}")
                            for node, key, reason in verdicts.undecided)


class _WrapperCalls(cst.CSTVisitor):
    def __init__(self, wrappers: Mapping[str, Outcome]) -> None:
        super().__init__()
        self.wrappers = wrappers
        self.found: list[tuple[cst.BaseExpression, str]] = []
        self.not_reads: set[int] = set()  # attributes that are called or assigned to

    def visit_Call(self, node: cst.Call) -> None:
        self.not_reads.add(id(node.func))
        parts = dotted(node.func)
        if not parts:
            return
        own = len(parts) == 2 and parts[0] in SELF_NAMES  # `self.helper()`: a method's wrapper
        name = f"self.{parts[-1]}" if own else parts[-1]
        if name in self.wrappers:
            self.found.append((node, name))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.not_reads.add(id(node.target))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        name = f"attr.{node.attr.value}"
        if name in self.wrappers and id(node) not in self.not_reads \
                and isinstance(node.value, cst.Name) and node.value.value in SELF_NAMES:
            self.found.append((node, name))


def _wrapper_names(wrappers: Mapping[str, Outcome]) -> set[str]:
    return {name.rsplit(".", 1)[-1] for name in wrappers}


def _wrapper_calls(tree: cst.Module, wrappers: Mapping[str, Outcome]
                   ) -> list[tuple[cst.BaseExpression, str]]:
    """Calls to functions that only returned a removed flag (or a literal), with the wrapper's
    name: `name` for a function, `self.name` for a method called on `self` or `cls`,
    `attr.name` for a property read on `self`."""
    finder = _WrapperCalls(wrappers)
    tree.visit(finder)
    return finder.found


def _prune_imports(after: ast.Module, lines: Sequence[str],
                   every: Sequence[Chunk], modules: dict[Chunk, cst.Module],
                   texts: dict[Chunk, str], keep: frozenset[str] = frozenset()) -> set[str]:
    """Remove the imports the rewrite left unused (never those that were unused before);
    return their names.

    Only a name the rewritten statements used can have lost its last use, and a name that
    no longer appears in the new text outside import lines certainly has; only the other
    candidates need a count over the whole new module.
    """
    lost: Counter[str] = Counter()
    bound: set[str] = set()
    for chunk in modules:
        for statement in chunk.nodes:
            lost.update(name_counts(statement))
            bound.update(name for inner in ast.walk(statement) for name in import_names(inner))
    bound.update(name for chunk in every for top in chunk.nodes for name in import_names(top))
    candidates = {name for name in bound if lost[name]} - keep
    in_classes = _prune_class_imports(lines, every, texts, lost, keep)
    if not candidates:
        return in_classes
    code = _without_imports(splice(lines, texts), after)
    unsure = {name for name in candidates if re.search(rf"\b{re.escape(name)}\b", code)}
    counts = name_counts(after) if unsure else Counter()
    unused = {name for name in candidates if name not in unsure or counts[name] == 0}
    if not unused:
        return set()
    pruner = ImportPruner(unused)
    for chunk, module in modules.items():
        if "import" in texts[chunk]:
            texts[chunk] = _render(module.visit(pruner), chunk, lines)
    for chunk in every:
        if chunk not in modules and any(import_names(node) & unused for node in chunk.nodes):
            texts[chunk] = _render(cst.parse_module(_for_cst(chunk.text(lines))).visit(pruner),
                                   chunk, lines)
    return unused | in_classes


def _prune_class_imports(lines: Sequence[str], every: Sequence[Chunk], texts: dict[Chunk, str],
                         lost: Counter[str], keep: frozenset[str]) -> set[str]:
    """Remove the imports in class bodies the rewrite left unused (a class's body was
    rewritten member by member, so its import statements are not in a rewritten chunk).

    A class-body import is also an attribute (`self.name`, `Cls.name`): it goes only when
    its name appears nowhere else in the new module, not even after a dot.
    """
    imports = [member for chunk in every if chunk not in texts
               for member in _class_import_chunks(chunk.nodes)
               if not any(_overlaps(member, other) for other in texts)]
    names = {name for member in imports for node in member.nodes for name in import_names(node)}
    candidates = {name for name in names if lost[name]} - keep
    if not candidates:
        return set()
    code = splice(lines, texts)
    unused = set()
    for name in candidates:
        word = re.compile(rf"\b{re.escape(name)}\b")
        own = sum(len(word.findall(member.text(lines))) for member in imports)
        if len(word.findall(code)) == own:
            unused.add(name)
    if not unused:
        return set()
    pruner = ImportPruner(unused)
    for member in imports:
        if any(import_names(node) & unused for node in member.nodes):
            text = dedent(member, lines)
            if text is None:
                continue
            texts[member] = _render(cst.parse_module(_for_cst(text)).visit(pruner), member, lines)
    return unused


def _class_import_chunks(nodes: Sequence[ast.stmt]) -> Iterator[Chunk]:
    """The chunks of class bodies (nested classes too) that hold an import statement."""
    for node in nodes:
        if isinstance(node, ast.ClassDef):
            for member in body_chunks(node.body):
                if any(isinstance(inner, (ast.Import, ast.ImportFrom)) for inner in member.nodes):
                    yield member
                else:
                    yield from _class_import_chunks(member.nodes)


def _overlaps(one: Chunk, other: Chunk) -> bool:
    return one.start < other.end and other.start < one.end


def _without_lost_imports(before: ast.Module, code: str) -> str:
    """`code` without the top-level imports that only the definitions it lost used."""
    after = _parse(code, "the rewrite would not parse")
    had, has = name_counts(before), name_counts(after)
    bound = {name for node in after.body for name in import_names(node)}
    lost = {name for name in bound if had[name] and not has[name]}
    if not lost:
        return code
    module = cst.parse_module(code)
    code = trim_head(module.body, module.visit(ImportPruner(lost))).code
    _parse(code, "the rewrite would not parse")
    return code


def _without_imports(code: str, tree: ast.Module) -> str:
    """The module's text without its top-level import statements."""
    skipped = {number for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
               for number in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
    return "\n".join(line for number, line in enumerate(split_lines(code), 1)
                     if number not in skipped)


def _drop_functions(after: ast.Module, every: Sequence[Chunk], texts: dict[Chunk, str],
                    names: frozenset[str]) -> bool:
    """Remove module-level functions in `names` that nothing reads any more, and module
    constants in `names` bound once to a literal that nothing else names."""
    counts = name_counts(after)
    dropped = False
    for chunk in every:
        if chunk in texts or len(chunk.nodes) != 1:
            continue
        node = chunk.nodes[0]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names \
                and counts[node.name] == 0:
            texts[chunk] = ""
            dropped = True
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name) and target.id in names and counts[target.id] == 1 \
                    and (not isinstance(node, ast.Assign) or len(node.targets) == 1) \
                    and node.value is not None and _is_literal(node.value):
                texts[chunk] = ""
                dropped = True
    return dropped


def _is_literal(value: ast.expr) -> bool:
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _no_lookup(qualified: str) -> str | None:
    return None
