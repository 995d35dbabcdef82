"""Boolean folding of libcst expressions once flag calls became the constants True or False.

Only constants the codemod introduced fold: a `True` that was in the code before is left
alone. Operands are assumed free of side effects (as reviewers of a flag removal assume).
In a value context a fold happens only when the value is provably the same; in a truth
context (an `if` test, an operand of `not`, ...) only truthiness must be preserved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst

from flagdebt.cstscan import literal_bool

ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.Integer,
         cst.Float, cst.ConcatenatedString, cst.FormattedString, cst.List, cst.Tuple, cst.Dict,
         cst.Set, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.Ellipsis)
BOOL_CALLS = frozenset({"bool", "isinstance", "issubclass", "hasattr", "callable", "all", "any"})
# Names that read as a yes/no question: `user.is_staff`, `cart.has_items()`, `beta_enabled`.
PREDICATE = re.compile(r"(is|has|can|should|supports)_\w+|\w+_(enabled|active)")
INVERSE = {cst.Equal: cst.NotEqual, cst.NotEqual: cst.Equal, cst.Is: cst.IsNot,
           cst.IsNot: cst.Is, cst.In: cst.NotIn, cst.NotIn: cst.In}


class Consts:
    """The True/False names (and other literals) the codemod introduced, by node identity."""

    def __init__(self) -> None:
        self._values: dict[int, bool] = {}
        self._truth: dict[int, bool] = {}
        self._keep: list[cst.CSTNode] = []

    def literal(self, node: cst.BaseExpression) -> cst.BaseExpression:
        """Mark a copied-in literal (`None`, `0`, `""`, `[]`, `{}`, ...) whose truthiness is known."""
        truth = literal_truth(node)
        if truth is not None:
            self._truth[id(node)] = truth
            self._keep.append(node)
        return node

    def truth(self, node: cst.CSTNode) -> bool | None:
        """The truthiness of an introduced constant or literal, None for anything else."""
        value = self._values.get(id(node))
        return self._truth.get(id(node)) if value is None else value

    def make(self, value: bool) -> cst.Name:
        """A new `True`/`False` name; a name never needs the parentheses of the node it replaces."""
        return self.mark(cst.Name("True" if value else "False"), value)

    def mark(self, node: cst.Name, value: bool) -> cst.Name:
        self._values[id(node)] = value
        self._keep.append(node)
        return node

    def value(self, node: cst.CSTNode) -> bool | None:
        """True or False for an introduced constant, None for anything else."""
        return self._values.get(id(node))

    def carry(self, node: cst.BaseExpression, like: cst.BaseExpression) -> cst.BaseExpression:
        """`node` (a constant or not) hoisted to the place of `like`, parenthesised as needed."""
        if self.truth(node) is not None:
            return node
        return hoist(node, like)


def literal_truth(node: cst.CSTNode) -> bool | None:
    """The truthiness of a literal that reads the same wherever it is copied, else None."""
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return node.value == "True"
    if isinstance(node, (cst.Integer, cst.Float)):
        return bool(node.evaluated_value)
    if isinstance(node, cst.SimpleString):
        return bool(node.evaluated_value)
    if isinstance(node, (cst.List, cst.Tuple, cst.Dict, cst.Set)) and not node.elements:
        return False
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and not node.args:
        return False if node.func.value in ("list", "dict", "set", "tuple", "frozenset") else None
    return None


def hoist(operand: cst.BaseExpression, outer: cst.BaseExpression) -> cst.BaseExpression:
    """Put `operand` where `outer` was: keep its own parentheses, else borrow outer's if needed."""
    if operand.lpar or not outer.lpar or isinstance(operand, ATOMS):
        return operand
    return operand.with_changes(lpar=outer.lpar, rpar=outer.rpar)


def parenthesized(node: cst.BaseExpression) -> cst.BaseExpression:
    """`node` ready to stand anywhere an argument did: in parentheses unless it is an atom."""
    if node.lpar or isinstance(node, ATOMS):
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def strip_parens(node: cst.BaseExpression, module: cst.Module,
                 disjunction_only: bool = False) -> cst.BaseExpression:
    """Drop parentheses around a whole expression when they hold it on one line.

    `disjunction_only` is for places whose grammar takes no bare ternary or lambda, such as
    a comprehension's `if` clause.
    """
    if not node.lpar or isinstance(node, (cst.Tuple, cst.GeneratorExp, cst.Yield, cst.NamedExpr)):
        return node
    if disjunction_only and isinstance(node, (cst.IfExp, cst.Lambda)):
        return node
    bare = node.with_changes(lpar=(), rpar=())
    return node if "\n" in module.code_for_node(bare) else bare


def is_bool(node: cst.BaseExpression, consts: Consts) -> bool:
    """Whether an expression evaluates to a bool: certainly, or by the name of what it reads.

    Comparisons, `not`, bool literals and `bool`/`isinstance`/`hasattr`/... calls are bools;
    so, by convention, are names, attributes and calls named as predicates (`is_*`, `has_*`,
    `can_*`, `should_*`, `supports_*`, `*_enabled`, `*_active`).
    """
    if consts.value(node) is not None:
        return True
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return True
    if _is_predicate(node.func if isinstance(node, cst.Call) else node):
        return True
    if isinstance(node, cst.Comparison):
        return True
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, cst.Not)
    if isinstance(node, cst.BooleanOperation):
        return is_bool(node.left, consts) and is_bool(node.right, consts)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        return node.func.value in BOOL_CALLS
    return False


def _is_predicate(node: cst.BaseExpression) -> bool:
    name = node.attr if isinstance(node, cst.Attribute) else node
    return isinstance(name, cst.Name) and PREDICATE.fullmatch(name.value) is not None


def fold_not(node: cst.UnaryOperation, consts: Consts) -> cst.BaseExpression | None:
    """`not True` -> `False`."""
    value = consts.truth(node.expression)
    if value is None or not isinstance(node.operator, cst.Not):
        return None
    return consts.make(not value)


def fold_boolean(node: cst.BooleanOperation, consts: Consts,
                 truthy: bool) -> cst.BaseExpression | None:
    """`True and x` -> `x`, `x or True` -> `True` in a truth context, and so on."""
    is_and = isinstance(node.operator, cst.And)
    left, right = consts.truth(node.left), consts.value(node.right)
    if right is None and truthy:
        right = consts.truth(node.right)
    if left is not None:
        # `True and x` is x, `False and x` is False; `False or x` is x, `True or x` is True.
        keep_left = left is not is_and
        return consts.carry(node.left if keep_left else node.right, node)
    if right is None or not (truthy or is_bool(node.left, consts)):
        return None
    if right is is_and:
        return consts.carry(node.left, node)  # `x and True`, `x or False`
    return consts.make(right)  # `x and False` is falsy, `x or True` is truthy


def fold_compare(node: cst.Comparison, consts: Consts) -> cst.BaseExpression | None:
    """`True == True`, `False is not True`, `flag != False` once the flag is a constant."""
    if len(node.comparisons) != 1:
        return None
    target = node.comparisons[0]
    left, right = consts.value(node.left), consts.value(target.comparator)
    if left is None and right is None:
        return None
    left = left if left is not None else literal_bool(node.left)
    right = right if right is not None else literal_bool(target.comparator)
    if left is None or right is None:
        return None
    operator = target.operator
    if isinstance(operator, (cst.Equal, cst.Is)):
        return consts.make(left == right)
    if isinstance(operator, (cst.NotEqual, cst.IsNot)):
        return consts.make(left != right)
    return None


def fold_ifexp(node: cst.IfExp, consts: Consts) -> cst.BaseExpression | None:
    """`a if True else b` -> `a`."""
    value = consts.truth(node.test)
    if value is None:
        return None
    return consts.carry(node.body if value else node.orelse, node)


def fold_all_any(node: cst.Call, consts: Consts, truthy: bool) -> cst.BaseExpression | None:
    """`all([True, x])` -> `bool(x)` (or `x` in a truth context), `any([True, x])` -> `True`."""
    if not (isinstance(node.func, cst.Name) and node.func.value in ("all", "any")):
        return None
    if len(node.args) != 1 or node.args[0].keyword or node.args[0].star:
        return None
    items = node.args[0].value
    if not isinstance(items, (cst.List, cst.Tuple, cst.Set)):
        return None
    values = [consts.value(e.value) for e in items.elements]
    if all(v is None for v in values) or any(isinstance(e, cst.StarredElement) for e in items.elements):
        return None
    neutral = node.func.value == "all"  # all() ignores True, any() ignores False
    if (not neutral) in values:
        return consts.make(not neutral)
    rest = [e for e, v in zip(items.elements, values) if v is None]
    if not rest:
        return consts.make(neutral)
    if len(rest) == 1 and (truthy or is_bool(rest[0].value, consts)):
        return hoist(rest[0].value, node)
    return node.with_changes(args=[node.args[0].with_changes(value=_with_elements(items, rest))])


def fold_bool_call(node: cst.Call, consts: Consts) -> cst.BaseExpression | None:
    """`bool(True)` -> `True`."""
    if not (isinstance(node.func, cst.Name) and node.func.value == "bool") or len(node.args) != 1:
        return None
    arg = node.args[0]
    value = consts.value(arg.value)
    return None if value is None or arg.keyword or arg.star else consts.make(value)


def _with_elements(items: cst.List | cst.Tuple | cst.Set,
                   rest: Sequence[cst.BaseElement]) -> cst.BaseExpression:
    last = rest[-1]
    trailing = isinstance(items, cst.Tuple) and len(rest) == 1
    elements = [*rest[:-1], last.with_changes(comma=last.comma if trailing else cst.MaybeSentinel.DEFAULT)]
    return items.with_changes(elements=elements)


def negate(node: cst.BaseExpression) -> cst.BaseExpression:
    """The condition that is true exactly when `node` is false, written as a reviewer would."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not) and not node.lpar:
        return node.expression.with_changes(lpar=(), rpar=()) \
            if isinstance(node.expression, ATOMS) else node.expression
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1 and not node.lpar:
        target = node.comparisons[0]
        inverse = INVERSE.get(type(target.operator))
        if inverse is not None:
            operator = _inverse_operator(target.operator, inverse)
            return node.with_changes(comparisons=[target.with_changes(operator=operator)])
    operand = node if isinstance(node, ATOMS) or node.lpar else node.with_changes(
        lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.UnaryOperation(operator=cst.Not(), expression=operand)


def _inverse_operator(operator: cst.BaseCompOp, inverse: type) -> cst.BaseCompOp:
    before = getattr(operator, "whitespace_before", cst.SimpleWhitespace(" "))
    after = getattr(operator, "whitespace_after", cst.SimpleWhitespace(" "))
    result: cst.BaseCompOp = inverse(whitespace_before=before, whitespace_after=after)
    return result
