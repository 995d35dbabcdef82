"""The libcst engine: finds flag calls in a libcst tree with the same matcher as the `ast` engine.

The removal codemod rewrites the calls this engine reports; `scan_source` exposes it as a
scanner so a test can hold it to the same results as the fast `ast` engine.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

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
    visible_imports,
)
from flagdebt.grammar import Version, cst_config
from flagdebt.model import CallPattern
from flagdebt.sites import FileScan, RawSite, parse_suppressions, syntax_error

COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


@dataclass(frozen=True)
class Match:
    """A flag call found in a libcst tree: the node and its site."""

    call: cst.Call
    site: RawSite
    pattern: CallPattern | None = None

    @property
    def boolean(self) -> bool:
        """Whether the call returns True/False, so the codemod may replace it by the value."""
        pattern = self.pattern
        if pattern is None or pattern.default is None:
            return pattern is None or pattern.boolean
        positional = [arg.value for arg in self.call.args if arg.keyword is None]
        given = positional[pattern.default] if pattern.default < len(positional) else None
        return isinstance(given, cst.Name) and given.value in ("True", "False")


def scan_source(source: str, path: str, patterns: Sequence[CallPattern],
                module: str = "", is_package: bool = False,
                target: Version | None = None) -> FileScan:
    """Find the flag calls of one module's source text with libcst (`target`: its grammar)."""
    try:
        tree = cst.parse_module(source, config=cst_config(target))
    except cst.ParserSyntaxError as error:
        return FileScan(path, error=syntax_error(path, error.raw_line, error.raw_column + 1,
                                                 error.message))
    finder = find_calls(MetadataWrapper(tree, unsafe_skip_copy=True), patterns, module, is_package)
    sites = sorted([match.site for match in finder.matches] + finder.attributes,
                   key=lambda site: (site.line, site.col))
    return FileScan(path, sites, finder.symbols, parse_suppressions(source, path))


def find_calls(wrapper: MetadataWrapper, patterns: Sequence[CallPattern], module: str = "",
               is_package: bool = False) -> CallFinder:
    """Run the finder over a wrapped module and return it with its matches and symbols."""
    finder = CallFinder(patterns, module, is_package)
    wrapper.visit(finder)
    return finder


def module_constants(tree: cst.Module, patterns: Sequence[CallPattern] = ()) -> dict[str, str]:
    """Module-level string constants and string attributes of top-level classes (`Class.ATTR`);
    a flag object built by an `objects` pattern's constructor holds its key."""
    objects = [pattern for pattern in patterns if pattern.objects]
    constants: dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, cst.ClassDef):
            for small in _small_statements(statement.body):
                _add_constant(constants, small, statement.name.value + ".", objects)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                _add_constant(constants, small, "", objects)
    return constants


def _small_statements(block: cst.BaseSuite) -> list[cst.BaseSmallStatement]:
    if isinstance(block, cst.SimpleStatementSuite):
        return list(block.body)
    return [small for line in block.body if isinstance(line, cst.SimpleStatementLine)
            for small in line.body]


def _add_constant(constants: dict[str, str], node: cst.CSTNode, prefix: str,
                  objects: Sequence[CallPattern]) -> None:
    if isinstance(node, cst.Assign) and len(node.targets) == 1:
        target, value = node.targets[0].target, node.value
    elif isinstance(node, cst.AnnAssign) and node.value is not None:
        target, value = node.target, node.value
    else:
        return
    text = string_value(value)
    if text is None and objects and isinstance(value, cst.Call):
        text = _object_definition(value, objects, constants)
    if isinstance(target, cst.Name) and text is not None:
        constants[prefix + target.value] = text


def _object_definition(call: cst.Call, objects: Sequence[CallPattern],
                       constants: dict[str, str]) -> str | None:
    """The key a flag-object constructor call is given, when it is a string the file spells."""
    name = dotted(call.func)[-1]
    for pattern in objects:
        if any(name == constructor.split(".")[-1] for constructor in pattern.objects):
            positional = [a.value for a in call.args if a.keyword is None and not a.star]
            keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
            argument = key_argument(pattern, positional, keywords)
            return None if argument is None else _evaluate(argument, constants)
    return None


def _evaluate(node: cst.BaseExpression, constants: dict[str, str]) -> str | None:
    """A string literal, f-string or concatenation of literals and the module's constants."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return string_value(node)
    if isinstance(node, cst.Name):
        return constants.get(node.value)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = _evaluate(node.left, constants), _evaluate(node.right, constants)
        return None if left is None or right is None else left + right
    if not isinstance(node, cst.FormattedString):
        return None
    values: list[str] = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            values.append(part.value.replace("{{", "{").replace("}}", "}"))
            continue
        plain = isinstance(part, cst.FormattedStringExpression) and part.conversion is None \
            and part.format_spec is None
        value = _evaluate(part.expression, constants) \
            if plain and isinstance(part, cst.FormattedStringExpression) else None
        if value is None:
            return None
        values.append(value)
    return "".join(values)


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain string literal (implicit concatenation included), else None."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def literal_bool(node: cst.BaseExpression | None) -> bool | None:
    """True or False for the names `True` and `False`; None for anything else."""
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and every node below it."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def dotted(node: cst.BaseExpression) -> tuple[str, ...]:
    """`a.b.c` as ("a", "b", "c"); a root that is not a name becomes NOT_A_NAME."""
    names: list[str] = []
    while isinstance(node, cst.Attribute):
        names.append(node.attr.value)
        node = node.value
    names.append(node.value if isinstance(node, cst.Name) else NOT_A_NAME)
    return tuple(reversed(names))


def chain(node: cst.BaseExpression) -> tuple[str, ...]:
    """A callee with the calls on its way as "()": `a.get().b` -> ("a", "get", "()", "b")."""
    names: list[str] = []
    while True:
        if isinstance(node, cst.Attribute):
            names.append(node.attr.value)
            node = node.value
        elif isinstance(node, cst.Call):
            names.append(NOT_A_NAME)
            node = node.func
        elif isinstance(node, cst.Await):
            node = node.expression
        else:
            break
    names.append(node.value if isinstance(node, cst.Name) else NOT_A_NAME)
    return tuple(reversed(names))


def _concrete(*bases: type) -> frozenset[type]:
    """Every node class below the given base classes (checking `type(x) in` beats ABC isinstance)."""
    found: set[type] = set()
    stack = list(bases)
    while stack:
        cls = stack.pop()
        found.add(cls)
        stack.extend(cls.__subclasses__())
    return frozenset(found)


STATEMENTS = _concrete(cst.BaseSmallStatement, cst.BaseCompoundStatement, cst.ExceptHandler,
                       cst.ExceptStarHandler, cst.MatchCase)
STATEMENT_NODES = _concrete(cst.BaseStatement)


class CallFinder(cst.CSTVisitor):
    """Collects imports, constants and every call that matches a pattern, in source order."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, patterns: Sequence[CallPattern], module: str, is_package: bool) -> None:
        super().__init__()
        self.patterns = patterns
        self.module = module
        self.is_package = is_package
        self.symbols = FileSymbols()
        self.matches: list[Match] = []
        self.scopes: list[str] = []
        self.frames: list[cst.FunctionDef | cst.ClassDef] = []
        self.bound: list[frozenset[str]] = []
        self.statement_lines: list[int] = []
        self.decorators: set[int] = set()
        self.local_scopes: dict[int, Scope] = {}
        self.attributes: list[RawSite] = []  # class attributes that hold a key (not calls)
        # False when no import is nested in a body (astscan.NESTED_IMPORT): a call's
        # visible imports are then the module's, found without a scope analysis.
        self.nested_imports = True

    def visit_Module(self, node: cst.Module) -> None:
        self.symbols.constants.update(module_constants(node, self.patterns))
        self.source = node

    def _line(self, node: cst.CSTNode) -> int:
        return self._start(node)[0]

    def _start(self, node: cst.CSTNode) -> tuple[int, int]:
        position: CodeRange = self.get_metadata(PositionProvider, node)
        return position.start.line, position.start.column

    def on_visit(self, node: cst.CSTNode) -> bool:
        if type(node) in STATEMENTS:
            anchor = node.name if isinstance(node, (cst.FunctionDef, cst.ClassDef)) else node
            self.statement_lines.append(self._line(anchor))
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        if type(original_node) in STATEMENTS:
            self.statement_lines.pop()

    def visit_Import(self, node: cst.Import) -> None:
        if not self.frames:
            self.symbols.imports.update(import_binding(node, self.module, self.is_package))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not self.frames:
            self.symbols.imports.update(import_binding(node, self.module, self.is_package))

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.scopes.append(node.name.value)
        self.frames.append(node)

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.frames.pop()
        self.scopes.pop()

    def visit_ClassDef_body(self, node: cst.ClassDef) -> None:
        self._class_attributes(node)
        self.scopes.append(node.name.value)
        self.frames.append(node)

    def _class_attributes(self, node: cst.ClassDef) -> None:
        """`waffle_flag = "x"` in a class with a base an attribute pattern names."""
        wanted = attribute_patterns((dotted(base.value) for base in node.bases), self.patterns)
        for small in _small_statements(node.body) if wanted else ():
            if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                continue
            target = small.targets[0].target
            pattern = wanted.get(target.value) if isinstance(target, cst.Name) else None
            if pattern is not None and isinstance(target, cst.Name):
                line, column = self._start(target)
                key = pattern_key(pattern, self._key(small.value))
                site = RawSite(line, column + 1, line, target.value, key, False,
                               ".".join([*self.scopes, node.name.value]))
                self.attributes.append(site)

    def leave_Assign(self, original_node: cst.Assign) -> None:
        if len(original_node.targets) == 1:
            self._note_client(original_node.targets[0].target, original_node.value)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        if original_node.value is not None:
            self._note_client(original_node.target, original_node.value)

    def _note_client(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(value, (cst.Call, cst.Await)):
            note_client(dotted(target), chain(value), self.patterns, self.symbols)

    def leave_ClassDef_body(self, node: cst.ClassDef) -> None:
        self.frames.pop()
        self.scopes.pop()

    def visit_Decorator(self, node: cst.Decorator) -> None:
        self.decorators.add(id(node.decorator))
        self.statement_lines.append(self._line(node))

    def leave_Decorator(self, original_node: cst.Decorator) -> None:
        self.statement_lines.pop()

    def _push_binding(self, node: cst.CSTNode) -> None:
        self.bound.append(_binds(node))

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._push_binding(node)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.bound.pop()

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._push_binding(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self.bound.pop()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._push_binding(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self.bound.pop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._push_binding(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self.bound.pop()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._push_binding(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self.bound.pop()

    def visit_Call(self, node: cst.Call) -> None:
        calls = chain(node.func)
        pattern = match_call(calls, self.patterns, self.symbols, self.imports())
        if pattern is None:
            return
        parts = callee_parts(calls)
        if pattern.objects:
            found = object_key(parts, binding(parts[0], self.bound, self._scopes()))
            if found is None:
                return
            key = found
        else:
            stars = [i for i, a in enumerate(node.args) if a.star]
            before = node.args[:stars[0]] if stars else node.args
            positional = [a.value for a in before if a.keyword is None]
            keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
            argument = key_argument(pattern, positional, keywords)
            key = self._key(argument) if argument is not None \
                else self._dynamic(node) if stars else missing_key(pattern)
        line, column = self._start(node.func)
        decorator = id(node) in self.decorators
        site = RawSite(line, column + 1,
                       line if decorator or not self.statement_lines else self.statement_lines[-1],
                       ".".join(parts), pattern_key(pattern, key), decorator,
                       ".".join(self.scopes), bool(pattern.objects))
        self.matches.append(Match(node, site, pattern))

    def _key(self, node: cst.BaseExpression) -> KeyExpr:
        text = string_value(node) if isinstance(node, cst.SimpleString) else None
        if text is not None:
            return KeyExpr("str", text)
        if isinstance(node, cst.ConcatenatedString):
            return self._join(node, [node.left, node.right])
        if isinstance(node, cst.FormattedString):
            return self._join(node, [self._fstring_part(part) for part in node.parts])
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            return self._join(node, [node.left, node.right])
        parts = dotted(node)
        origin = binding(parts[0], self.bound, self._scopes()) if parts[0] != NOT_A_NAME else RUNTIME
        if origin != RUNTIME:
            return KeyExpr("ref", ".".join(parts), origin=origin or "")
        return self._dynamic(node)

    def _fstring_part(self, part: cst.BaseFormattedStringContent) -> cst.BaseExpression | str:
        if isinstance(part, cst.FormattedStringText):
            return part.value.replace("{{", "{").replace("}}", "}")
        if isinstance(part, cst.FormattedStringExpression) and part.conversion is None \
                and part.format_spec is None:
            return part.expression
        return cst.Ellipsis()  # any expression the key resolver treats as dynamic

    def _join(self, node: cst.BaseExpression,
              parts: Sequence[cst.BaseExpression | str]) -> KeyExpr:
        keys = tuple(KeyExpr("str", p) if isinstance(p, str) else self._key(p) for p in parts)
        return KeyExpr("join", _text(self.source, node), keys)

    def _dynamic(self, node: cst.CSTNode) -> KeyExpr:
        return KeyExpr("dynamic", _text(self.source, node))

    def imports(self) -> Mapping[str, str]:
        """The imports a call at the current position sees (module, function and class ones)."""
        return visible_imports(self.symbols.imports, self._scopes()) \
            if self.frames and self.nested_imports else self.symbols.imports

    def _scopes(self) -> list[Scope]:
        return [self._scope(frame) for frame in self.frames]

    def _scope(self, frame: cst.FunctionDef | cst.ClassDef) -> Scope:
        if id(frame) not in self.local_scopes:
            collector = LocalNames(self.module, self.is_package)
            frame.body.visit(collector)
            if isinstance(frame, cst.ClassDef):
                scope = Scope(imports=collector.imports, is_class=True)
            else:
                names = (collector.names | _param_names(frame.params)) - collector.declared
                scope = Scope(frozenset(names), collector.imports)
            self.local_scopes[id(frame)] = scope
        return self.local_scopes[id(frame)]


class QuickCallFinder(CallFinder):
    """A CallFinder for the codemod: no positions (lines are 0), and it also collects the
    `name = <call>` assignments that may hold a flag's value, saving the codemod a pass."""

    METADATA_DEPENDENCIES = ()  # type: ignore[assignment]

    def __init__(self, patterns: Sequence[CallPattern], module: str, is_package: bool) -> None:
        super().__init__(patterns, module, is_package)
        self.assignments: list[tuple[cst.CSTNode, cst.Name, cst.BaseExpression]] = []

    def _start(self, node: cst.CSTNode) -> tuple[int, int]:
        return 0, 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        return cst.CSTVisitor.on_visit(self, node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        cst.CSTVisitor.on_leave(self, original_node)

    def visit_Assign(self, node: cst.Assign) -> None:
        target = node.targets[0].target if len(node.targets) == 1 else None
        if isinstance(target, cst.Name):
            self.assignments.append((node, target, node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self.assignments.append((node, node.target, node.value))


def _name(node: cst.BaseExpression) -> str:
    return ".".join(dotted(node))


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None:
        return None
    target = alias.asname.name
    return target.value if isinstance(target, cst.Name) else None


def _text(module: cst.Module, node: cst.CSTNode) -> str:
    code = module.code_for_node(node)
    if isinstance(node, cst.BaseExpression) and node.lpar:
        code = module.code_for_node(node.with_changes(lpar=(), rpar=()))
    return " ".join(code.split())


def _param_names(params: cst.Parameters) -> frozenset[str]:
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            every.append(star)
    return frozenset(param.name.value for param in every)


def _binds(node: cst.CSTNode) -> frozenset[str]:
    if isinstance(node, cst.Lambda):
        return _param_names(node.params)
    names: set[str] = set()
    if isinstance(node, COMPREHENSIONS):
        loop: cst.CompFor | None = node.for_in
        while loop is not None:
            collector = _TargetNames()
            loop.target.visit(collector)
            names |= collector.names
            loop = loop.inner_for_in
    return frozenset(names)


class _TargetNames(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def import_binding(node: cst.Import | cst.ImportFrom, module: str, is_package: bool) -> dict[str, str]:
    """What an import statement binds (`from x import *` binds nothing known)."""
    if isinstance(node, cst.Import):
        return plain_import_bindings([(_name(alias.name), _asname(alias)) for alias in node.names])
    names = [("*", None)] if isinstance(node.names, cst.ImportStar) \
        else [(_name(alias.name), _asname(alias)) for alias in node.names]
    source = _name(node.module) if node.module is not None else None
    return import_bindings(len(node.relative), source, names, module, is_package)


class LocalNames(cst.CSTVisitor):
    """Names a function body binds in its own scope (nested functions and classes excluded);
    those bound by an import are in `imports`, with what they import."""

    def __init__(self, module: str = "", is_package: bool = False) -> None:
        super().__init__()
        self.module = module
        self.is_package = is_package
        self.names: set[str] = set()
        self.declared: set[str] = set()
        self.imports: dict[str, str] = {}

    def visit_Import(self, node: cst.Import) -> bool:
        self.imports.update(import_binding(node, self.module, self.is_package))
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        self.imports.update(import_binding(node, self.module, self.is_package))
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Global(self, node: cst.Global) -> None:
        self.declared.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.declared.update(item.name.value for item in node.names)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._targets(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._targets(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._targets(node.target)

    def _targets(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.Name):
            self.names.add(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._targets(element.value)
        elif isinstance(node, cst.StarredElement):
            self._targets(node.value)
