"""The transform at the heart of the removal: flag calls become constants, logic folds,
dead branches, unreachable code and emptied blocks go. `codemod` decides what to replace and
hands each chunk of a module to `Remover`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import libcst as cst

from flagdebt.cleanup import carry_blank_lines, close_line, leading_lines, trim_head, without
from flagdebt.cstscan import STATEMENT_NODES
from flagdebt.fold import (
    Consts,
    fold_all_any,
    fold_bool_call,
    fold_boolean,
    fold_compare,
    fold_ifexp,
    fold_not,
    literal_truth,
    negate,
    parenthesized,
    strip_parens,
)
from flagdebt.mocks import drop_params
from flagdebt.tidy import is_pure

ElementT = TypeVar("ElementT", cst.BaseElement, cst.BaseDictElement)
Outcome = bool | str  # what a flag wrapper returns: True/False, or the code of a literal
Statement = cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel
TERMINALS = (cst.Return, cst.Raise, cst.Continue, cst.Break)


@dataclass(frozen=True, order=True)
class Skip:
    """A flag call the codemod found but left in place, and why."""

    line: int
    col: int
    key: str
    reason: str


@dataclass
class Plan:
    """What to replace, decided before the tree is transformed (by node identity)."""

    calls: dict[int, bool] = field(default_factory=dict)
    decorators: dict[int, bool] = field(default_factory=dict)
    names: dict[int, bool] = field(default_factory=dict)
    dropped: set[int] = field(default_factory=set)
    overrides: dict[int, bool] = field(default_factory=dict)  # override call -> keep its code
    literals: dict[int, cst.BaseExpression] = field(default_factory=dict)  # read -> inlined literal
    outcomes: dict[int, cst.BaseExpression] = field(default_factory=dict)  # call -> its live value
    doomed: dict[int, str] = field(default_factory=dict)  # tests of a dead value (testpins)
    params: dict[int, frozenset[str]] = field(default_factory=dict)  # mocks a test loses
    unparametrized: set[int] = field(default_factory=set)  # `ddt.data(True, False)` calls that go


def _is_pass(statement: cst.CSTNode) -> bool:
    """A line holding nothing but `pass` (and no comment): noise once its block is gone."""
    return (isinstance(statement, cst.SimpleStatementLine) and not statement.leading_lines
            and all(isinstance(small, cst.Pass) for small in statement.body)
            and statement.trailing_whitespace.comment is None)


def _single_assign(statement: cst.BaseStatement) -> cst.Assign | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    return assign if isinstance(assign, cst.Assign) and len(assign.targets) == 1 else None


def _target_code(node: cst.BaseAssignTargetExpression) -> str | None:
    """`x` or `self.x` (a dotted attribute of names), else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute) and isinstance(node.value, (cst.Name, cst.Attribute)):
        base = _target_code(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _mentions(node: cst.CSTNode, target: str) -> bool:
    root = target.split(".")[0]
    return any(isinstance(child, cst.Name) and child.value == root for child in _walk(node))


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _is_dead_store(first: cst.BaseStatement, second: cst.BaseStatement) -> bool:
    """`x = a` right before `x = b` (b not reading x), where a has no side effects."""
    a, b = _single_assign(first), _single_assign(second)
    if a is None or b is None or first.trailing_whitespace.comment is not None:  # type: ignore[attr-defined]
        return False
    target = _target_code(a.targets[0].target)
    if target is None or target != _target_code(b.targets[0].target):
        return False
    return is_pure(a.value) and not _mentions(b.value, target)


def _without_dead_stores(statements: list[cst.BaseStatement],
                         groups: Sequence[int | None]) -> list[cst.BaseStatement]:
    """Drop stores that a statement from a kept branch, newly next to them, overwrites."""
    kept: list[cst.BaseStatement] = []
    for index, statement in enumerate(statements):
        following = statements[index + 1] if index + 1 < len(statements) else None
        created = index + 1 < len(groups) and groups[index + 1] is not None \
            and groups[index + 1] != groups[index]
        if following is not None and created and _is_dead_store(statement, following):
            if leading_lines(statement) and not leading_lines(following):
                statements[index + 1] = following.with_changes(leading_lines=leading_lines(statement))
            continue
        kept.append(statement)
    return kept


PROPERTY_DECORATORS = ("property", "cached_property")


def _wrapper_kind(function: cst.FunctionDef, method: bool) -> str | None:
    """How calls to a function that returns a constant are spelled: `""` for `name()`,
    `"self."` for a method's `self.name()`, `"attr."` for a property's `self.name`; None
    when another decorator makes it unsafe to inline."""
    if not function.decorators:
        return "self." if method else ""
    if not method or len(function.decorators) != 1:
        return None
    decorator = function.decorators[0].decorator
    name = decorator.attr if isinstance(decorator, cst.Attribute) else decorator
    return "attr." if isinstance(name, cst.Name) and name.value in PROPERTY_DECORATORS else None


def _is_bare_return(statement: cst.CSTNode) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Return) and statement.body[0].value is None
            and statement.trailing_whitespace.comment is None)


def _is_terminal(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[-1], TERMINALS)


class Remover(cst.CSTTransformer):
    """Replaces planned calls by constants and collapses what they decide."""

    def __init__(self, plan: Plan, module: cst.Module,
                 locate: Callable[[cst.CSTNode], tuple[int, int]], in_class: bool = False) -> None:
        super().__init__()
        self.classes = int(in_class)  # class bodies around the node being visited
        self.plan = plan
        self.module = module
        self.locate = locate
        self.consts = Consts()
        self.truthy: set[int] = set()
        self.elifs: set[int] = set()
        self.emptied: set[int] = set()
        self.terminals: set[int] = set()
        self.footers: dict[int, Sequence[cst.EmptyLine]] = {}
        self.removed = 0
        self.skipped: list[Skip] = []
        self.removed_statements: set[int] = set()
        self.expanded: dict[int, int] = {}
        self.wrappers: dict[str, Outcome] = {}
        self._pinned: list[cst.CSTNode] = []
        self._path: list[int] = []
        self.hoisted: dict[int, int] = {}  # statement -> the flattened block it came out of
        self.touched: set[int] = set()  # original nodes that hold a planned replacement

    def changed(self, original: cst.CSTNode | None) -> bool:
        """Whether the rewrite replaced something inside `original` (else it stays byte-identical)."""
        return original is not None and id(original) in self.touched

    def on_visit(self, node: cst.CSTNode) -> bool:
        self._path.append(id(node))
        if any(id(node) in planned for planned in (self.plan.calls, self.plan.names,
                                                    self.plan.literals, self.plan.outcomes)):
            self.touched.update(self._path)
        return super().on_visit(node)

    def _pin(self, node: cst.CSTNode) -> int:
        """The id of a node this transform made, kept alive so that no later node reuses it."""
        self._pinned.append(node)
        return id(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        self._path.pop()
        result = super().on_leave(original_node, updated_node)
        if type(original_node) in STATEMENT_NODES:
            if isinstance(result, cst.RemovalSentinel):
                self.removed_statements.add(id(original_node))
            elif isinstance(result, cst.FlattenSentinel):
                self.expanded[id(original_node)] = len(result.nodes)
        return result

    # Truth contexts: where only the truthiness of an expression matters.
    def visit_If(self, node: cst.If) -> None:
        self.truthy.add(id(node.test))
        if isinstance(node.orelse, cst.If):
            self.elifs.add(id(node.orelse))

    def visit_While(self, node: cst.While) -> None:
        self.truthy.add(id(node.test))

    def visit_Assert(self, node: cst.Assert) -> None:
        self.truthy.add(id(node.test))

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self.truthy.add(id(node.test))

    def visit_CompIf(self, node: cst.CompIf) -> None:
        self.truthy.add(id(node.test))

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Not):
            self.truthy.add(id(node.expression))

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        if id(node) in self.truthy:
            self.truthy.update((id(node.left), id(node.right)))

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in ("bool", "all", "any"):
            for arg in node.args:
                self.truthy.add(id(arg.value))
                if isinstance(arg.value, (cst.List, cst.Tuple, cst.Set)):
                    self.truthy.update(id(element.value) for element in arg.value.elements)

    # Expressions.
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        value = self.plan.calls.get(id(original_node))
        if value is not None:
            self.removed += 1
            return self.consts.make(value)
        outcome = self.plan.outcomes.get(id(original_node))
        if outcome is not None:
            self.removed += 1
            return self.consts.literal(parenthesized(outcome.deep_clone()))
        args = without(updated_node.args, lambda arg: bool(arg.star) and self._empty(arg.value))
        if args is not None:
            updated_node = updated_node.with_changes(args=args)
        folded = fold_all_any(updated_node, self.consts, id(original_node) in self.truthy)
        return folded if folded is not None else fold_bool_call(updated_node, self.consts) or updated_node

    def leave_Attribute(self, original_node: cst.Attribute,
                        updated_node: cst.Attribute) -> cst.BaseExpression:
        """`self.prop` of a property left returning a constant."""
        value = self.plan.calls.get(id(original_node))
        if value is not None:
            return self.consts.make(value)
        outcome = self.plan.outcomes.get(id(original_node))
        return updated_node if outcome is None else self.consts.literal(outcome.deep_clone())

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        value = self.plan.names.get(id(original_node))
        if value is not None:
            return self.consts.make(value)
        literal = self.plan.literals.get(id(original_node))
        if literal is None:
            return updated_node
        if isinstance(literal, cst.Name) and literal.value in ("True", "False"):
            return self.consts.make(literal.value == "True")
        return self.consts.literal(literal.deep_clone())

    def leave_Await(self, original_node: cst.Await, updated_node: cst.Await) -> cst.BaseExpression:
        value = self.consts.value(updated_node.expression)
        return updated_node if value is None else self.consts.make(value)

    def leave_UnaryOperation(self, original_node: cst.UnaryOperation,
                             updated_node: cst.UnaryOperation) -> cst.BaseExpression:
        return fold_not(updated_node, self.consts) or updated_node

    def leave_BooleanOperation(self, original_node: cst.BooleanOperation,
                               updated_node: cst.BooleanOperation) -> cst.BaseExpression:
        truthy = id(original_node) in self.truthy
        return fold_boolean(updated_node, self.consts, truthy) or updated_node

    def leave_Comparison(self, original_node: cst.Comparison,
                         updated_node: cst.Comparison) -> cst.BaseExpression:
        return fold_compare(updated_node, self.consts) or updated_node

    def leave_IfExp(self, original_node: cst.IfExp, updated_node: cst.IfExp) -> cst.BaseExpression:
        return fold_ifexp(updated_node, self.consts) or updated_node

    # Statements.
    def leave_If(  # type: ignore[override]  # an elif may become an else
            self, original_node: cst.If, updated_node: cst.If) -> Statement | cst.Else:
        value = self.consts.truth(updated_node.test)
        if value is None:
            return self._tidy_if(original_node, updated_node)
        if id(original_node) in self.elifs:
            if value:
                return cst.Else(body=updated_node.body, leading_lines=updated_node.leading_lines,
                                whitespace_before_colon=updated_node.whitespace_after_test)
            return updated_node.orelse if updated_node.orelse is not None else cst.RemoveFromParent()
        if value:
            return self._flatten(updated_node, updated_node.body)
        orelse = updated_node.orelse
        if orelse is None:
            return cst.RemoveFromParent()
        if isinstance(orelse, cst.If):
            return orelse.with_changes(leading_lines=[*updated_node.leading_lines,
                                                      *orelse.leading_lines])
        return self._flatten(updated_node, orelse.body)

    def _tidy_if(self, original: cst.If, updated: cst.If) -> Statement | cst.Else:
        if self.changed(original.test):
            updated = updated.with_changes(test=strip_parens(updated.test, self.module),
                                           whitespace_before_test=cst.SimpleWhitespace(" "))
        if id(updated.body) not in self.emptied:
            return updated
        if updated.orelse is None:
            return cst.RemoveFromParent()
        if isinstance(updated.orelse, cst.Else):
            return updated.with_changes(test=negate(updated.test), body=updated.orelse.body,
                                        orelse=None)
        return updated

    def leave_While(self, original_node: cst.While, updated_node: cst.While) -> Statement:
        value = self.consts.truth(updated_node.test)
        if value is False:
            if updated_node.orelse is None:
                return cst.RemoveFromParent()
            return self._flatten(updated_node, updated_node.orelse.body)
        if value is None and self.changed(original_node.test):
            return updated_node.with_changes(test=strip_parens(updated_node.test, self.module),
                                             whitespace_after_while=cst.SimpleWhitespace(" "))
        return updated_node

    def leave_Else(  # type: ignore[override]  # an optional field may be removed
            self, original_node: cst.Else, updated_node: cst.Else) -> cst.Else | cst.RemovalSentinel:
        return cst.RemoveFromParent() if id(updated_node.body) in self.emptied else updated_node

    def leave_Assert(self, original_node: cst.Assert, updated_node: cst.Assert
                     ) -> cst.Assert | cst.RemovalSentinel:
        removable = self.consts.truth(updated_node.test) or id(original_node) in self.plan.dropped
        return cst.RemoveFromParent() if removable else updated_node

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr
                   ) -> cst.Expr | cst.RemovalSentinel:
        removable = self.consts.value(updated_node.value) is not None \
            or id(original_node) in self.plan.dropped
        return cst.RemoveFromParent() if removable else updated_node

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign
                     ) -> cst.Assign | cst.RemovalSentinel:
        if id(original_node) in self.plan.dropped:
            return cst.RemoveFromParent()
        if self.changed(original_node.value):
            return updated_node.with_changes(value=strip_parens(updated_node.value, self.module))
        return updated_node

    def leave_AnnAssign(self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign
                        ) -> cst.AnnAssign | cst.RemovalSentinel:
        return cst.RemoveFromParent() if id(original_node) in self.plan.dropped else updated_node

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        value = updated_node.value
        if value is None or not self.changed(original_node.value):
            return updated_node
        return updated_node.with_changes(value=strip_parens(value, self.module),
                                         whitespace_after_return=cst.SimpleWhitespace(" "))

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if not self.changed(original_node.value):
            return updated_node
        return updated_node.with_changes(value=strip_parens(updated_node.value, self.module))

    def leave_Element(self, original_node: cst.Element, updated_node: cst.Element) -> cst.Element:
        if not self.changed(original_node.value):
            return updated_node
        return updated_node.with_changes(value=strip_parens(updated_node.value, self.module))

    def leave_DictElement(self, original_node: cst.DictElement,
                          updated_node: cst.DictElement) -> cst.DictElement:
        if not self.changed(original_node.value):
            return updated_node
        return updated_node.with_changes(value=strip_parens(updated_node.value, self.module))

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine
                                  ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        if id(original_node) in self.plan.dropped:
            return cst.RemoveFromParent()
        return close_line(original_node, updated_node)

    def leave_CompIf(  # type: ignore[override]  # a sequence element may be removed
            self, original_node: cst.CompIf, updated_node: cst.CompIf) -> cst.CompIf | cst.RemovalSentinel:
        if self.consts.truth(updated_node.test):
            return cst.RemoveFromParent()
        if self.changed(original_node.test):
            return updated_node.with_changes(test=strip_parens(updated_node.test, self.module, True))
        return updated_node

    def _empty(self, node: cst.BaseExpression) -> bool:
        """An empty container or string the removal put here (`*[]` unpacks to nothing)."""
        return self.consts.truth(node) is False and self.consts.value(node) is None \
            and not isinstance(node, cst.Name)

    def _unpacked(self, elements: Sequence[ElementT]) -> list[ElementT] | None:
        return without(elements, lambda e: isinstance(e, (cst.StarredElement, cst.StarredDictElement))
                       and self._empty(e.value))

    def leave_List(self, original_node: cst.List, updated_node: cst.List) -> cst.BaseExpression:
        kept = self._unpacked(updated_node.elements)
        return updated_node if kept is None else updated_node.with_changes(elements=kept)

    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.BaseExpression:
        kept = self._unpacked(updated_node.elements)
        return updated_node if kept is None else updated_node.with_changes(elements=kept)

    def leave_ListComp(self, original_node: cst.ListComp,
                       updated_node: cst.ListComp) -> cst.BaseExpression:
        if self._never_yields(updated_node.for_in):
            return cst.List([], lpar=updated_node.lpar, rpar=updated_node.rpar)
        return updated_node

    def leave_SetComp(self, original_node: cst.SetComp,
                      updated_node: cst.SetComp) -> cst.BaseExpression:
        if self._never_yields(updated_node.for_in):
            return cst.Call(cst.Name("set"), lpar=updated_node.lpar, rpar=updated_node.rpar)
        return updated_node

    def leave_DictComp(self, original_node: cst.DictComp,
                       updated_node: cst.DictComp) -> cst.BaseExpression:
        if self._never_yields(updated_node.for_in):
            return cst.Dict([], lpar=updated_node.lpar, rpar=updated_node.rpar)
        return updated_node

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp,
                           updated_node: cst.GeneratorExp) -> cst.GeneratorExp:
        if self._never_yields(updated_node.for_in):
            self.skipped.append(Skip(*self.locate(original_node), "",
                                     "a generator whose filter is always false: simplify by hand"))
        return updated_node

    def _never_yields(self, loop: cst.CompFor | None) -> bool:
        while loop is not None:
            if any(self.consts.truth(condition.test) is False for condition in loop.ifs):
                return True
            loop = loop.inner_for_in
        return False

    def leave_Decorator(self, original_node: cst.Decorator, updated_node: cst.Decorator
                        ) -> cst.Decorator | cst.RemovalSentinel:
        call = id(original_node.decorator)
        if self.plan.decorators.get(call) or self.plan.overrides.get(call):
            self.removed += 1
            return cst.RemoveFromParent()
        if call in self.plan.unparametrized:
            return cst.RemoveFromParent()
        return updated_node

    def _doomed(self, node: cst.FunctionDef | cst.ClassDef) -> bool:
        """Decorated by an override that forces the flag to the value it will never have again."""
        return id(node) in self.plan.doomed \
            or any(self.plan.overrides.get(id(d.decorator)) is False for d in node.decorators)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes += 1

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef
                       ) -> cst.ClassDef | cst.RemovalSentinel:
        self.classes -= 1
        if self._doomed(original_node):
            self.removed += id(original_node) not in self.plan.doomed  # tests are not call sites
            return cst.RemoveFromParent()
        return updated_node

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> Statement:
        keep = [self.plan.overrides.get(id(item.item)) for item in original_node.items]
        if all(flag is None for flag in keep):
            return updated_node
        self.removed += sum(flag is not None for flag in keep)
        if False in keep:
            return cst.RemoveFromParent()
        items = [item for item, flag in zip(updated_node.items, keep) if flag is None]
        if not items:
            return self._flatten(updated_node, updated_node.body)
        items[-1] = items[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(items=items)

    def leave_FunctionDef(self, original_node: cst.FunctionDef,
                          updated_node: cst.FunctionDef) -> cst.FunctionDef | cst.RemovalSentinel:
        if self._doomed(original_node):
            self.removed += id(original_node) not in self.plan.doomed  # tests are not call sites
            return cst.RemoveFromParent()
        mocks = self.plan.params.get(id(original_node))
        if mocks:
            updated_node = updated_node.with_changes(params=drop_params(updated_node.params, mocks))
        updated_node = self._without_trailing_return(updated_node)
        value = self._returned_constant(updated_node) if self.changed(original_node) else None
        kind = _wrapper_kind(updated_node, self.classes > 0)
        if value is not None and kind is not None:
            self.wrappers[kind + updated_node.name.value] = value
        return updated_node

    def _without_trailing_return(self, function: cst.FunctionDef) -> cst.FunctionDef:
        """Drop a bare `return` that a kept branch left as the function's last statement."""
        body = function.body
        if not isinstance(body, cst.IndentedBlock) or len(body.body) < 2:
            return function
        last = body.body[-1]
        if id(last) not in self.hoisted or not _is_bare_return(last):
            return function
        return function.with_changes(body=body.with_changes(body=body.body[:-1]))

    def leave_Try(self, original_node: cst.Try, updated_node: cst.Try) -> Statement:
        final = updated_node.finalbody
        if final is None or id(final.body) not in self.emptied:
            return updated_node
        if updated_node.handlers or updated_node.orelse:
            return updated_node.with_changes(finalbody=None)
        return self._flatten(updated_node, updated_node.body)

    def _returned_constant(self, function: cst.FunctionDef) -> Outcome | None:
        """What the function returns when its body (docstring aside) became `return <constant>`:
        True/False, or the code of an empty literal (`None`, `[]`, `{}`, `()`, `""`)."""
        body = list(function.body.body) if isinstance(function.body, cst.IndentedBlock) \
            else [function.body]
        if body and function.get_docstring() is not None:
            body = body[1:]
        if len(body) != 1 or not isinstance(body[0], (cst.SimpleStatementLine,
                                                       cst.SimpleStatementSuite)):
            return None
        statement = body[0].body[0] if len(body[0].body) == 1 else None
        if not isinstance(statement, cst.Return) or statement.value is None:
            return None
        value = self.consts.value(statement.value)
        if value is not None:
            return value
        empty = literal_truth(statement.value) is False
        if not empty or isinstance(statement.value, (cst.Integer, cst.Float)):
            return None  # `return "fast"` or `return 3` is a value the caller may want to see
        returned = statement.value
        bare = returned if isinstance(returned, cst.Tuple) else returned.with_changes(lpar=(), rpar=())
        return cst.Module([]).code_for_node(bare)

    # Blocks.
    def _flatten(self, owner: cst.If | cst.While | cst.With | cst.Try,
                 block: cst.BaseSuite) -> Statement:
        statements: list[cst.BaseStatement]
        if isinstance(block, cst.SimpleStatementSuite):
            statements = [cst.SimpleStatementLine(body=block.body,
                                                  trailing_whitespace=block.trailing_whitespace)]
        elif isinstance(block, cst.IndentedBlock):
            statements = list(block.body)
        statements = [statement for statement in statements if not _is_pass(statement)]
        if not statements:
            return cst.RemoveFromParent()
        first = statements[0]
        statements[0] = first.with_changes(leading_lines=[*owner.leading_lines,
                                                          *leading_lines(first)])
        if isinstance(block, cst.IndentedBlock) and block.footer:
            self.footers[self._pin(statements[-1])] = block.footer
        if _is_terminal(statements[-1]):
            self.terminals.add(self._pin(statements[-1]))
        group = len(self.hoisted)
        self.hoisted.update((self._pin(statement), group) for statement in statements)
        return cst.FlattenSentinel(statements)

    def _settle(self, original: Sequence[cst.BaseStatement], body: Sequence[cst.BaseStatement]
                ) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        groups = [self.hoisted.get(id(statement)) for statement in body]
        statements = carry_blank_lines(original, body, self.removed_statements, self.expanded)
        for index, statement in enumerate(statements):
            if id(statement) in self.terminals:
                statements = statements[: index + 1]
                break
        statements = _without_dead_stores(statements, groups)
        trailing: list[cst.EmptyLine] = []
        for index, statement in enumerate(statements):
            footer = self.footers.pop(id(statement), None)
            if footer is None:
                continue
            if index + 1 < len(statements):
                after = statements[index + 1]
                statements[index + 1] = after.with_changes(leading_lines=[*footer,
                                                                          *leading_lines(after)])
            else:
                trailing.extend(footer)
        return statements, trailing

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        statements, trailing = self._settle(original_node.body, updated_node.body)
        block = updated_node.with_changes(body=statements, footer=[*trailing, *updated_node.footer])
        if statements or not original_node.body:
            if statements == list(updated_node.body) and not trailing:
                block = updated_node
            return trim_head(original_node.body, block)
        emptied = block.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        self.emptied.add(self._pin(emptied))
        return emptied

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        statements, trailing = self._settle(original_node.body, updated_node.body)
        module = updated_node.with_changes(body=statements, footer=[*trailing, *updated_node.footer])
        return trim_head(original_node.body, module)
