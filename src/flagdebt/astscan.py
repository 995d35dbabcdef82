"""The read-only scan engine: stdlib `ast`, visiting only statements on lines that can hold a flag call."""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterable, Iterator, Sequence

from flagdebt.flagcall import (
    NOT_A_NAME,
    RUNTIME,
    FileSymbols,
    KeyExpr,
    Scope,
    attribute_patterns,
    binding,
    callee_parts,
    import_bindings,
    key_argument,
    match_call,
    missing_key,
    note_client,
    object_key,
    pattern_key,
    plain_import_bindings,
    trigger_names,
    visible_imports,
)
from flagdebt.grammar import Version, newer_than_running
from flagdebt.lines import line_number, line_starts, split_lines
from flagdebt.model import CallPattern
from flagdebt.sites import FileScan, RawSite, parse_suppressions, syntax_error

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def scan_source(source: str, path: str, patterns: Sequence[CallPattern],
                module: str = "", is_package: bool = False, quick: bool = True,
                target: Version | None = None) -> FileScan:
    """Find the flag calls of one module's source text.

    With `quick`, only the top-level statements that can matter are parsed (see `skeleton`);
    whenever that is not certain to give the same answer, the whole file is parsed. A file
    in a grammar newer than the running Python's that `target` allows is parsed by libcst.
    """
    targets = target_lines(source, patterns)
    reduced = skeleton(source, targets) if quick else None
    if reduced is not None:
        try:
            scan = scan_tree(ast.parse(reduced), source, path, patterns, module, is_package, targets)
        except (SyntaxError, ValueError):
            scan = None
        if scan is not None and not any(_names_a_class(site.key) for site in scan.sites):
            return scan
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", 1) or 1
        col = getattr(error, "offset", 1) or 1
        reason = getattr(error, "msg", str(error))
        failed = FileScan(path, error=syntax_error(path, line, col, reason))
        if isinstance(error, SyntaxError) and newer_than_running(target):
            return _scan_newer(source, path, patterns, module, is_package, target) or failed
        return failed
    return scan_tree(tree, source, path, patterns, module, is_package, targets)


def _scan_newer(source: str, path: str, patterns: Sequence[CallPattern], module: str,
                is_package: bool, target: Version | None) -> FileScan | None:
    """A file the running Python cannot parse, scanned with libcst's newer grammar; None if
    that fails too."""
    from flagdebt import cstscan

    scan = cstscan.scan_source(source, path, patterns, module, is_package, target)
    return scan if scan.error is None else None


def scan_tree(tree: ast.Module, source: str, path: str, patterns: Sequence[CallPattern],
              module: str, is_package: bool, targets: list[int]) -> FileScan:
    """The flag calls of an already parsed module (`targets`: from `target_lines`)."""
    walker = _Walker(source, patterns, module, is_package, targets)
    walker.symbols.constants.update(module_constants(tree, patterns))
    walker.symbols.imports.update(body_imports(tree.body, module, is_package))
    walker.statements(tree.body)
    return FileScan(path, walker.sites, walker.symbols, parse_suppressions(source, path))


def _names_a_class(key: KeyExpr) -> bool:
    """A key like `Feature.X`: its class may sit in a part of the file the skeleton left out."""
    return (key.kind == "ref" and "." in key.text) or any(_names_a_class(p) for p in key.parts)


STATEMENT_START = re.compile(r"[A-Za-z_@(\[{'\"]")
GUARD = re.compile(r"(?:if|try)\b")  # `if TYPE_CHECKING:`, `try: import x`: imports kept
CLAUSES = re.compile(r"(?:else|elif|except|finally)\b")
KEPT = re.compile(r"(?:import|from)\s|[A-Za-z_]\w*\s*(?::[^=\n]*)?=\s*"
                  r"(?:[(\\]\s*$|\(?\s*[rRuUbBfF]{0,2}['\"])")


def skeleton(source: str, targets: Sequence[int]) -> str | None:
    """The source with every top-level statement that cannot matter blanked out, or None.

    Kept: statements on a target line, imports (also inside a top-level `if` or `try`), and
    `NAME = "string"` constants; every other
    line becomes empty, so line and column numbers do not move. Statement starts are found
    by a text rule (a line at column 0 that is not a clause like `else:`); when the rule is
    wrong (a line inside a multi-line string, say) the result does not parse and the caller
    parses the whole file. Parsing a fifth of a file is what makes a large scan fast.
    """
    lines = split_lines(source)
    inside = _lines_in_strings(source)
    starts = _statement_starts(lines, 0, len(lines), "", inside)
    if len(starts) < 2:
        return None
    wanted = {target - 1 for target in targets}
    out = lines[: starts[0]]
    for start, end in zip(starts, [*starts[1:], len(lines)]):
        out.extend(_reduce(lines, start, end, wanted, "", inside))
    return "\n".join(out)


def _statement_starts(lines: Sequence[str], first: int, end: int, indent: str,
                      inside: set[int]) -> list[int]:
    """Lines in [first, end) that start a statement at `indent` (decorators join their def)."""
    starts: list[int] = []
    decorated = False
    size = len(indent)
    for number in range(first, end):
        line = lines[number]
        if number not in inside and line.startswith(indent) and STATEMENT_START.match(line, size) \
                and not CLAUSES.match(line, size):
            if not decorated:
                starts.append(number)
            decorated = line.startswith("@", size)
    return starts


def _reduce(lines: Sequence[str], start: int, end: int, wanted: set[int], indent: str,
            inside: set[int]) -> list[str]:
    """One statement's lines: kept, blanked, or for a class, reduced member by member."""
    if not any(number in wanted for number in range(start, end)):
        keep = KEPT.match(lines[start], len(indent)) is not None or (
            GUARD.match(lines[start], len(indent)) is not None
            and any(NESTED_IMPORT.search(line) for line in lines[start:end]))
        return list(lines[start:end]) if keep else [""] * (end - start)
    body = _class_body(lines, start, end, indent)
    if body is None:
        return list(lines[start:end])
    first, inner = body
    members = _statement_starts(lines, first, end, inner, inside)
    if not members or members[0] != first:
        return list(lines[start:end])
    out = list(lines[start:first])
    for member, stop in zip(members, [*members[1:], end]):
        out.extend(_reduce(lines, member, stop, wanted, inner, inside))
    return out


TOKENS = re.compile(r'"""|' r"'''|" r'"(?:\\.|[^"\\\r\n])*"|' r"'(?:\\.|[^'\\\r\n])*'|#[^\r\n]*")
CLOSING = {'"""': re.compile(r'(?:\\.|[^\\])*?"""', re.DOTALL),
           "'''": re.compile(r"(?:\\.|[^\\])*?'''", re.DOTALL)}


def _lines_in_strings(source: str) -> set[int]:
    """0-based numbers of the lines that begin inside a triple-quoted string."""
    inside: set[int] = set()
    starts: list[int] | None = None
    position = 0
    while True:
        token = TOKENS.search(source, position)
        if token is None:
            return inside
        position = token.end()
        closing = CLOSING.get(token.group())
        if closing is None:
            continue  # a one-line string or a comment
        end = closing.match(source, position)
        stop = end.end() if end else len(source)
        starts = starts or line_starts(source)
        first, last = line_number(starts, position), line_number(starts, stop)
        inside.update(range(first, last))
        position = stop


def _class_body(lines: Sequence[str], start: int, end: int, indent: str) -> tuple[int, str] | None:
    """Where a class statement's indented body starts, and its indentation."""
    number = start
    while number < end and not lines[number].startswith(("class ", "def ", "async "), len(indent)):
        number += 1  # past the decorators
    if number == end or not lines[number].startswith("class ", len(indent)):
        return None
    while number < end and not lines[number].split("#", 1)[0].rstrip().endswith(":"):
        number += 1  # the line that ends the header (bases over several lines)
    for body in range(number + 1, end):
        line = lines[body]
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        inner = line[: len(line) - len(stripped)]
        return (body, inner) if len(inner) > len(indent) else None
    return None


def target_lines(source: str, patterns: Sequence[CallPattern], extra: Iterable[str] = ()) -> list[int]:
    """The numbers of the lines that mention a pattern's name or a name it is imported as."""
    names = set(trigger_names(patterns)) | set(extra)
    positions = sorted(start for name in list(names) for start in _words(source, name, names))
    if not positions:
        return []
    starts = line_starts(source)
    return list(dict.fromkeys(line_number(starts, start) for start in positions))


ALIAS = re.compile(r"\s+as\s+(\w+)")


def _words(source: str, name: str, names: set[str]) -> Iterator[int]:
    """Where `name` stands as a whole word; a name it is imported as joins `names`.

    `str.find` and a character test beat one big regular expression by ~3x here, and this
    runs over every file the byte prefilter lets through.
    """
    start = source.find(name)
    while start != -1:
        end = start + len(name)
        before = source[start - 1] if start else " "
        after = source[end] if end < len(source) else " "
        if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
            yield start
            alias = ALIAS.match(source, end)
            if alias and alias[1] not in names:
                names.add(alias[1])
                yield from _words(source, alias[1], names)
        start = source.find(name, end)


def module_constants(tree: ast.Module, patterns: Sequence[CallPattern] = ()) -> dict[str, str]:
    """Module-level string constants and string attributes of top-level classes (`Class.ATTR`).

    A flag object (`NEW_UI = WaffleFlag("ns.new_ui", __name__)`, its constructor named by
    an `objects` pattern) counts as a constant holding its key.
    """
    objects = [pattern for pattern in patterns if pattern.objects]
    constants: dict[str, str] = {}
    for node in tree.body:
        items, prefix = (node.body, node.name + ".") if isinstance(node, ast.ClassDef) else ([node], "")
        for item in items:
            target, value = assignment(item)
            if not isinstance(target, ast.Name):
                continue
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                constants[prefix + target.id] = value.value
            elif objects and isinstance(value, ast.Call):
                key = _object_definition(value, objects, constants)
                if key is not None:
                    constants[prefix + target.id] = key
    return constants


def _object_definition(call: ast.Call, objects: Sequence[CallPattern],
                       constants: dict[str, str]) -> str | None:
    """The key a flag-object constructor call is given, when it is a string the file spells."""
    name = _dotted(call.func)[-1]
    for pattern in objects:
        if any(name == constructor.split(".")[-1] for constructor in pattern.objects):
            keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
            argument = key_argument(pattern, call.args, keywords)
            return None if argument is None else _evaluate(argument, constants)
    return None


def _evaluate(node: ast.expr, constants: dict[str, str]) -> str | None:
    """A string literal, f-string or concatenation of literals and the module's constants."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.FormattedValue):
        plain = node.conversion == -1 and node.format_spec is None
        return _evaluate(node.value, constants) if plain else None
    parts = (node.values if isinstance(node, ast.JoinedStr)
             else [node.left, node.right] if isinstance(node, ast.BinOp)
             and isinstance(node.op, ast.Add) else None)
    if parts is None:
        return None
    values = [_evaluate(part, constants) for part in parts]
    return "".join(v for v in values if v is not None) if None not in values else None


class _Walker:
    def __init__(self, source: str, patterns: Sequence[CallPattern], module: str,
                 is_package: bool, targets: list[int]) -> None:
        self.lines = split_lines(source)
        self.patterns = patterns
        self.module = module
        self.is_package = is_package
        self.targets = targets
        self.symbols = FileSymbols()
        self.sites: list[RawSite] = []
        self.scopes: list[str] = []
        self.frames: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
        self.bound: list[frozenset[str]] = []
        self.local_scopes: dict[int, Scope] = {}
        self.nested_imports = NESTED_IMPORT.search(source) is not None

    def statements(self, body: Sequence[ast.stmt]) -> None:
        for node in body:
            if self._touches_target(node):
                self._statement(node)

    def _touches_target(self, node: ast.stmt) -> bool:
        end = node.end_lineno or node.lineno
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        index = bisect.bisect_left(self.targets, start)
        return index < len(self.targets) and self.targets[index] <= end

    def _statement(self, node: ast.stmt) -> None:
        if isinstance(node, (*FUNCTIONS, ast.ClassDef)):
            self._definition(node)
            return
        for name, value in ast.iter_fields(node):
            if _is_body(name, value):
                self._nested_bodies(name, value)
            else:
                self._expressions(value, node.lineno)
        target, assigned = assignment(node)
        if target is not None and isinstance(assigned, (ast.Call, ast.Await)):
            note_client(_dotted(target), _chain(assigned), self.patterns, self.symbols)

    def _nested_bodies(self, name: str, value: list[ast.AST]) -> None:
        if name == "handlers":
            for handler in value:
                self._expressions(handler.type, handler.lineno)  # type: ignore[attr-defined]
                self.statements(handler.body)  # type: ignore[attr-defined]
        elif name == "cases":
            for case in value:
                self._expressions(case.guard, case.pattern.lineno)  # type: ignore[attr-defined]
                self.statements(case.body)  # type: ignore[attr-defined]
        else:
            self.statements(value)  # type: ignore[arg-type]

    def _definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self._expressions(decorator, decorator.lineno, decorator=True)
        header: list[ast.AST | None] = (
            [*node.bases, *(k.value for k in node.keywords)] if isinstance(node, ast.ClassDef)
            else [*_defaults(node.args), node.returns])
        for part in header:
            self._expressions(part, node.lineno)
        if isinstance(node, ast.ClassDef):
            self._class_attributes(node)
        self.scopes.append(node.name)
        self.frames.append(node)
        self.statements(node.body)
        self.frames.pop()
        self.scopes.pop()

    def _expressions(self, value: object, stmt_line: int, decorator: bool = False) -> None:
        if isinstance(value, list):
            for item in value:
                self._expressions(item, stmt_line, decorator)
        elif isinstance(value, ast.AST):
            self._expression(value, stmt_line, decorator)

    def _expression(self, node: ast.AST, stmt_line: int, decorator: bool) -> None:
        if isinstance(node, ast.Call):
            self._call(node, stmt_line, decorator)
        pushed = _binds(node)
        if pushed:
            self.bound.append(pushed)
        for child in ast.iter_child_nodes(node):
            self._expression(child, stmt_line, decorator=False)
        if pushed:
            self.bound.pop()

    def _call(self, node: ast.Call, stmt_line: int, decorator: bool) -> None:
        chain = _chain(node.func)
        imports = visible_imports(self.symbols.imports, self._scopes()) if self.nested_imports \
            else self.symbols.imports
        pattern = match_call(chain, self.patterns, self.symbols, imports)
        if pattern is None:
            return
        parts = callee_parts(chain)
        if pattern.objects:
            found = object_key(parts, binding(parts[0], self.bound, self._scopes()))
            if found is None:
                return
            key = found
        else:
            stars = [i for i, a in enumerate(node.args) if isinstance(a, ast.Starred)]
            positional = node.args[:stars[0]] if stars else node.args
            keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
            argument = key_argument(pattern, positional, keywords)
            unpacked = bool(stars) or any(k.arg is None for k in node.keywords)
            key = self._key(argument) if argument is not None \
                else self._dynamic(node) if unpacked else missing_key(pattern)
        self.sites.append(RawSite(
            node.lineno, self._column(node), node.lineno if decorator else stmt_line,
            ".".join(parts), pattern_key(pattern, key), decorator, ".".join(self.scopes),
            bool(pattern.objects)))

    def _class_attributes(self, node: ast.ClassDef) -> None:
        """`waffle_flag = "x"` in a class with a base an attribute pattern names."""
        wanted = attribute_patterns((_dotted(base) for base in node.bases), self.patterns)
        for item in node.body if wanted else ():
            target, value = assignment(item)
            pattern = wanted.get(target.id) if isinstance(target, ast.Name) else None
            if pattern is not None and isinstance(target, ast.Name) and value is not None:
                self.sites.append(RawSite(
                    item.lineno, self._column(target), item.lineno, target.id,
                    pattern_key(pattern, self._key(value)), False,
                    ".".join([*self.scopes, node.name])))

    def _column(self, node: ast.expr) -> int:
        line = self.lines[node.lineno - 1] if node.lineno <= len(self.lines) else ""
        if line.isascii():
            return node.col_offset + 1
        return len(line.encode("utf-8")[: node.col_offset].decode("utf-8", "replace")) + 1

    def _key(self, node: ast.expr) -> KeyExpr:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return KeyExpr("str", node.value)
        if isinstance(node, ast.JoinedStr):
            return self._join(node, list(node.values))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._join(node, [node.left, node.right])
        if isinstance(node, ast.FormattedValue) and node.conversion == -1 \
                and node.format_spec is None:
            return self._key(node.value)
        parts = _dotted(node)
        origin = binding(parts[0], self.bound, self._scopes()) if parts[0] != NOT_A_NAME else RUNTIME
        if origin != RUNTIME:
            return KeyExpr("ref", ".".join(parts), origin=origin or "")
        return self._dynamic(node)

    def _join(self, node: ast.expr, parts: list[ast.expr]) -> KeyExpr:
        keys = tuple(self._key(part) for part in parts)
        return KeyExpr("join", _source(self.lines, node), keys)

    def _dynamic(self, node: ast.expr) -> KeyExpr:
        return KeyExpr("dynamic", _source(self.lines, node))

    def _scopes(self) -> list[Scope]:
        return [self._scope(frame) for frame in self.frames]

    def _scope(self, frame: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> Scope:
        if id(frame) not in self.local_scopes:
            imports = body_imports(frame.body, self.module, self.is_package) \
                if self.nested_imports else {}
            if isinstance(frame, ast.ClassDef):
                self.local_scopes[id(frame)] = Scope(imports=imports, is_class=True)
            else:
                self.local_scopes[id(frame)] = Scope(_function_locals(frame), imports)
        return self.local_scopes[id(frame)]


NESTED_IMPORT = re.compile(r"(?:^[ \t]+|[:;][ \t]*)(?:import|from)[ \t]", re.MULTILINE)
BODIES = ("body", "orelse", "finalbody", "handlers")


def body_imports(body: Sequence[ast.stmt], module: str, is_package: bool) -> dict[str, str]:
    """What the imports of a body bind, its nested blocks included (not its functions and classes)."""
    bound: dict[str, str] = {}
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import):
            bound.update(plain_import_bindings([(a.name, a.asname) for a in node.names]))
        elif isinstance(node, ast.ImportFrom):
            names = [(a.name, a.asname) for a in node.names]
            bound.update(import_bindings(node.level, node.module, names, module, is_package))
        elif not isinstance(node, (*FUNCTIONS, ast.ClassDef)):
            for field_name in BODIES:
                stack.extend(reversed(getattr(node, field_name, ())))
            for case in getattr(node, "cases", ()):
                stack.extend(reversed(case.body))
    return bound


def assignment(node: ast.stmt) -> tuple[ast.expr | None, ast.expr | None]:
    """Target and value of a single-target assignment (plain or annotated), else Nones."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        return node.targets[0], node.value
    if isinstance(node, ast.AnnAssign):
        return node.target, node.value
    return None, None


def _is_body(name: str, value: object) -> bool:
    return name in ("body", "orelse", "finalbody", "handlers", "cases") and isinstance(value, list)


def _defaults(args: ast.arguments) -> list[ast.AST]:
    annotations = [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    return [*args.defaults, *(d for d in args.kw_defaults if d), *(a for a in annotations if a)]


def _dotted(node: ast.expr) -> tuple[str, ...]:
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    names.append(node.id if isinstance(node, ast.Name) else NOT_A_NAME)
    return tuple(reversed(names))


def _chain(node: ast.expr) -> tuple[str, ...]:
    """A callee with the calls on its way as "()": `a.get().b` -> ("a", "get", "()", "b")."""
    names: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            names.append(NOT_A_NAME)
            node = node.func
        elif isinstance(node, ast.Await):
            node = node.value
        else:
            break
    names.append(node.id if isinstance(node, ast.Name) else NOT_A_NAME)
    return tuple(reversed(names))


def _binds(node: ast.AST) -> frozenset[str]:
    if isinstance(node, ast.Lambda):
        return frozenset(a.arg for a in _all_args(node.args))
    if isinstance(node, COMPREHENSIONS):
        return frozenset(n.id for g in node.generators for n in ast.walk(g.target)
                         if isinstance(n, ast.Name))
    return frozenset()


def _all_args(args: ast.arguments) -> Iterator[ast.arg]:
    yield from (*args.posonlyargs, *args.args, *args.kwonlyargs)
    yield from (a for a in (args.vararg, args.kwarg) if a is not None)


def _function_locals(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """Parameters and names bound in the function's own scope other than by an import."""
    names = {a.arg for a in _all_args(function.args)}
    declared: set[str] = set()
    for node in _own_scope(function.body):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, (*FUNCTIONS, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return frozenset(names - declared)


def _own_scope(body: Sequence[ast.AST]) -> Iterator[ast.AST]:
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (*FUNCTIONS, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _source(lines: list[str], node: ast.expr) -> str:
    end_line = node.end_lineno or node.lineno
    end_col = node.end_col_offset or 0
    chunk = "\n".join(lines[node.lineno - 1: end_line]).encode("utf-8")
    end = len(chunk) - len(lines[end_line - 1].encode("utf-8")) + end_col
    return " ".join(chunk[node.col_offset: end].decode("utf-8", "replace").split())
