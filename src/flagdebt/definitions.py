"""The flag's own definition, once nothing reads it: the key constant and its choices entries.

`NEW_CHECKOUT = "new-checkout"` at module level or as a class attribute (`Feature.NEW_CHECKOUT`)
goes with the entries that only list it: `(NEW_CHECKOUT, _("New checkout"))` in a choices
tuple or list, `NEW_CHECKOUT` in a list or set, `NEW_CHECKOUT: ...` in a dict, in the same
module. Members of Enum-like classes stay: their values may be stored in a database.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TypeVar

import libcst as cst

from flagdebt.cleanup import BlockKeeper, trim_head, without
from flagdebt.grammar import parse_module

ENUM_BASES = ("Enum", "Choices", "Flag")
ElementT = TypeVar("ElementT", cst.BaseElement, cst.BaseDictElement)


def _attribute_name(node: cst.BaseExpression) -> str | None:
    """`X` for `X`, `Feature.X` or `self.X`: the last name of a reference."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _entry_name(node: cst.BaseExpression) -> str | None:
    """The constant a choices entry lists: `X`, `Feature.X`, or the first item of `(X, label)`."""
    if isinstance(node, cst.Tuple) and node.elements:
        first = node.elements[0]
        return _attribute_name(first.value) if isinstance(first, cst.Element) else None
    return _attribute_name(node)


def _is_enum(node: cst.ClassDef) -> bool:
    return any(isinstance(base.value, (cst.Name, cst.Attribute))
               and any(word in (_attribute_name(base.value) or "") for word in ENUM_BASES)
               for base in node.bases)


class _Pruner(BlockKeeper):
    """Removes the definitions of `names` and the container entries that list them."""

    def __init__(self, names: set[str], methods: set[str],
                 constructors: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.names = names
        self.methods = methods
        self.constructors = constructors  # flag objects: `NAME = WaffleFlag("key", ...)`
        self.depth = 0  # class nesting: only module level and top-level classes define keys
        self.enum = 0
        self.function = 0

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth += 1
        self.enum += _is_enum(node)

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        self.depth -= 1
        self.enum -= _is_enum(original_node)
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.function += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
                          ) -> cst.FunctionDef | cst.RemovalSentinel:
        self.function -= 1
        if self.depth == 1 and not self.function and updated_node.name.value in self.methods:
            return self.forget(original_node)
        return updated_node

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.BaseSuite:
        block = super().leave_IndentedBlock(original_node, updated_node)
        if isinstance(block, cst.IndentedBlock) and not block.body:
            return block.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return trim_head(original_node.body, block) if isinstance(block, cst.IndentedBlock) else block

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return trim_head(original_node.body, super().leave_Module(original_node, updated_node))

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign
                     ) -> cst.Assign | cst.RemovalSentinel:
        if self.function or self.enum or self.depth > 1 or len(updated_node.targets) != 1:
            return updated_node
        target = updated_node.targets[0].target
        if isinstance(target, cst.Name) and target.value in self.names \
                and (isinstance(updated_node.value, (cst.SimpleString, cst.ConcatenatedString))
                     or self._builds_flag_object(updated_node.value)):
            return cst.RemoveFromParent()
        return updated_node

    def _builds_flag_object(self, value: cst.BaseExpression) -> bool:
        if not isinstance(value, cst.Call):
            return False
        func = value.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        return name in self.constructors

    def _entries(self, elements: Sequence[ElementT]) -> list[ElementT] | None:
        """The entries that do not list one of the names; None when all stay."""
        return without(elements, lambda entry: _listed(entry) in self.names)

    def leave_List(self, original_node: cst.List, updated_node: cst.List) -> cst.BaseExpression:
        kept = self._entries(updated_node.elements)
        return updated_node if kept is None else updated_node.with_changes(elements=kept)

    def leave_Set(self, original_node: cst.Set, updated_node: cst.Set) -> cst.BaseExpression:
        kept = self._entries(updated_node.elements)
        return updated_node if not kept else updated_node.with_changes(elements=kept)

    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.BaseExpression:
        kept = self._entries(updated_node.elements)
        return updated_node if kept is None else updated_node.with_changes(elements=kept)

    def leave_Tuple(self, original_node: cst.Tuple, updated_node: cst.Tuple) -> cst.BaseExpression:
        if not all(isinstance(e.value, cst.Tuple) for e in updated_node.elements
                   if isinstance(e, cst.Element)):
            return updated_node  # only a tuple of pairs is a choices list
        kept = self._entries(updated_node.elements)
        if kept is None:
            return updated_node
        if len(kept) == 1 and kept[0].comma == cst.MaybeSentinel.DEFAULT:
            kept[0] = kept[0].with_changes(comma=cst.Comma())
        return updated_node.with_changes(elements=kept)


def _listed(entry: cst.BaseElement | cst.BaseDictElement) -> str | None:
    if isinstance(entry, cst.Element):
        return _entry_name(entry.value)
    return _attribute_name(entry.key) if isinstance(entry, cst.DictElement) else None


def _still_read(code: str, names: set[str]) -> set[str]:
    """The names that `code` still mentions (as a name, an attribute, or in `__all__`)."""
    tree = parse_module(code)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in names:
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in names:
            found.add(node.attr)
        elif isinstance(node, ast.Constant) and node.value in names:
            found.add(str(node.value))
        elif isinstance(node, ast.ImportFrom):
            found.update(alias.asname or alias.name for alias in node.names
                         if (alias.asname or alias.name) in names)
    return found


def drop_definitions(code: str, names: set[str], methods: set[str] | None = None,
                     constructors: frozenset[str] = frozenset()) -> str:
    """`code` without the definitions (and choices entries) of the key constants in `names`,
    and the methods of top-level classes in `methods`, that nothing else in it reads;
    unchanged when every one of them is still read."""
    constants, functions = set(names), set(methods or ())
    module = cst.parse_module(code)
    for _ in range(3):
        if not constants and not functions:
            return code
        pruned = module.visit(_Pruner(constants, functions, constructors)).code
        read = _still_read(pruned, constants | functions)
        if not read:
            return pruned
        constants -= read
        functions -= read
    return code
