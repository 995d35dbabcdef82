"""The clean-ups a reviewer does after a flag removal, only where the removal made them possible.

Facts about every function's locals are taken before and after the removal; from them:

- a local that was read before and is read no more (ruff F841) loses its assignments, when
  every one of them is a plain `name = value` whose value has no side effects;
- a local left with a single assignment of a literal, where it had several before or its value
  became a literal in the removal, is inlined: `True`/`False`/`None` into every read, so the
  logic folds again (`if not allowed:` disappears); any other literal (`parameters = {}`,
  `limit = 10`) only into a single read that is the whole of a `return` or of a condition, since
  a named value passed on elsewhere reads better than the literal;
- a local assigned and used once by the very next statement, as the whole of its `return`
  value, its `if` condition or the value it assigns, where the removal took away the code
  between them (it had more assignments or reads before), is inlined there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from flagdebt.fold import literal_truth
from flagdebt.localscope import LocalScopes

Key = tuple[str, str]  # (function path, local name)
EMPTY = cst.Module([])


@dataclass
class Local:
    """One local of one function: where it is assigned and read."""

    statements: list[cst.SimpleStatementLine | None] = field(default_factory=list)
    values: list[cst.BaseExpression | None] = field(default_factory=list)
    reads: list[cst.CSTNode] = field(default_factory=list)
    whole: int = 0  # reads that are the whole value of a return, or a whole condition
    used_next: bool = False  # assigned once, then used whole by the very next statement


@dataclass
class Tidy:
    """What to change: statements to drop, reads to replace by a literal."""

    dropped: set[int] = field(default_factory=set)
    literals: dict[int, cst.BaseExpression] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.dropped or self.literals)


def is_pure(node: cst.CSTNode) -> bool:
    """An expression whose evaluation has no side effect a reviewer would keep it for."""
    if literal_truth(node) is not None or isinstance(node, cst.Name):
        return not isinstance(node, cst.Call)
    if isinstance(node, cst.Attribute):
        return is_pure(node.value)
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(isinstance(e, cst.Element) and is_pure(e.value) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(isinstance(e, cst.DictElement) and is_pure(e.key) and is_pure(e.value)
                   for e in node.elements)
    if isinstance(node, cst.UnaryOperation):
        return is_pure(node.expression)
    if isinstance(node, (cst.BooleanOperation, cst.BinaryOperation)):
        return is_pure(node.left) and is_pure(node.right)
    if isinstance(node, cst.Comparison):
        return is_pure(node.left) and all(is_pure(c.comparator) for c in node.comparisons)
    if isinstance(node, (cst.ConcatenatedString, cst.FormattedString)):
        return True
    return False


class _Statements(LocalScopes):
    """Every function's locals; and each simple assignment's target with its line and value."""

    def __init__(self) -> None:
        super().__init__()
        self.line: cst.SimpleStatementLine | None = None
        self.targets: dict[int, tuple[cst.SimpleStatementLine, cst.BaseExpression]] = {}
        self.whole: set[int] = set()
        self.used_whole: dict[int, int] = {}  # a name that is a whole return value, condition or
        # assigned value -> its statement
        self.following: dict[int, int] = {}  # statement -> the statement after it in its block
        self.body_lines: set[int] = set()  # statements standing directly in a function's body

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        if isinstance(node.body, cst.IndentedBlock):
            self.body_lines.update(id(statement) for statement in node.body.body)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.following.update((id(a), id(b)) for a, b in zip(node.body, node.body[1:]))

    def visit_Return(self, node: cst.Return) -> None:
        self.whole.add(id(node.value))
        if self.line is not None:
            self.used_whole[id(node.value)] = id(self.line)

    def visit_If(self, node: cst.If) -> None:
        self.whole.add(id(node.test))
        self.used_whole[id(node.test)] = id(node)

    def visit_While(self, node: cst.While) -> None:
        self.whole.add(id(node.test))

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.line = node if len(node.body) == 1 else None

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self.line = None

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.line is not None and len(node.targets) == 1:
            self.targets[id(node.targets[0].target)] = (self.line, node.value)
            self.used_whole[id(node.value)] = id(self.line)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        super().visit_AnnAssign(node)
        if self.line is not None and node.value is not None:
            self.targets[id(node.target)] = (self.line, node.value)


def locals_of(module: cst.Module) -> tuple[dict[Key, Local], set[int]]:
    """Every local of every function in `module`, with its assignments and reads; and the
    ids of the statements that stand directly in a function's body."""
    statements = _Statements()
    module.visit(statements)
    found: dict[Key, Local] = {}
    for key, (bindings, reads) in statements.function_locals().items():
        local = found[key] = Local(reads=list(reads))
        for node in bindings:
            line, value = statements.targets.get(id(node), (None, None))
            local.statements.append(line)
            local.values.append(value)
        local.whole = sum(id(read) in statements.whole for read in reads)
        local.used_next = _used_next(local, statements)
    return found, statements.body_lines


def plan_tidy(before: dict[Key, Local], after: dict[Key, Local], body_lines: set[int]) -> Tidy:
    """The clean-ups the removal made possible; `body_lines`: statements directly in a function body."""
    tidy = Tidy()
    for key, local in after.items():
        old = before.get(key)
        if old is None:
            continue
        if old.reads and not local.reads:
            _drop_unused(local, tidy)
        elif len(local.statements) == 1 and (len(old.statements) > 1 or _changed(old, local)):
            _inline_literal(local, body_lines, tidy)
            if local.used_next and id(local.statements[0]) not in tidy.dropped:
                _inline_into_next(local, tidy)
        elif local.used_next and len(old.reads) > len(local.reads):
            _inline_into_next(local, tidy)
    return tidy


def _commented(line: cst.SimpleStatementLine | None) -> bool:
    """A statement with a comment above or beside it: a reviewer keeps what it explains."""
    return line is None or line.trailing_whitespace.comment is not None \
        or any(empty.comment is not None for empty in line.leading_lines)


def _used_next(local: Local, statements: _Statements) -> bool:
    if len(local.statements) != 1 or local.statements[0] is None or len(local.reads) != 1:
        return False
    line = statements.used_whole.get(id(local.reads[0]))
    return line is not None and statements.following.get(id(local.statements[0])) == line


def _inline_into_next(local: Local, tidy: Tidy) -> None:
    """`x = value` then `return x` (`if x:`, `y = x`): `return value`."""
    line, value = local.statements[0], local.values[0]
    if line is None or value is None or _commented(line):
        return
    tidy.dropped.add(id(line))
    tidy.literals[id(local.reads[0])] = value


def _drop_unused(local: Local, tidy: Tidy) -> None:
    if any(_commented(line) or value is None or not is_pure(value)
           for line, value in zip(local.statements, local.values)):
        return
    tidy.dropped.update(id(line) for line in local.statements)


def _inline_literal(local: Local, body_lines: set[int], tidy: Tidy) -> None:
    line, value = local.statements[0], local.values[0]
    if _commented(line) or value is None or id(line) not in body_lines:
        return
    if literal_truth(value) is None or not all(isinstance(read, cst.Name) for read in local.reads):
        return
    named = isinstance(value, cst.Name)  # True, False, None
    if not named and (len(local.reads) != 1 or local.whole != 1):
        return
    tidy.dropped.add(id(line))
    tidy.literals.update((id(read), value) for read in local.reads)


def _changed(old: Local, new: Local) -> bool:
    """Whether the removal rewrote the value of a local's single assignment."""
    if len(old.values) != 1 or old.values[0] is None or new.values[0] is None:
        return False
    return EMPTY.code_for_node(old.values[0]) != EMPTY.code_for_node(new.values[0])


