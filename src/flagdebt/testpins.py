"""Tests that pin a removed flag: mocks of the flag function, fixtures that create it, assertions on it.

`plan_tests` runs on one chunk's libcst tree after the codemod has planned the flag calls
and adds to the same `Plan`: tests to delete, mock decorators and `with` items to drop (with
the argument a decorator injected), statements to drop. A test it cannot decide on is left
as it is and reported. The rules are in the README ("Tests that pin the flag").
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import libcst as cst

from flagdebt.cstscan import dotted, literal_bool, walk
from flagdebt.inline import flag_value
from flagdebt.mocks import Patch, effect_value, read_patch
from flagdebt.model import CallPattern
from flagdebt.splice import Nesting
from flagdebt.testfixtures import fixture_value
from flagdebt.transform import Plan

ASSERT_TRUE = frozenset({"assertTrue", "assert_", "failUnless"})
ASSERT_FALSE = frozenset({"assertFalse", "failIf"})
ASSERT_EQUAL = frozenset({"assertEqual", "assertEquals", "assertIs"})
PATCH_WORD = re.compile(r"\bpatch\b")
DEAD = "it pinned the removed flag to its dead value"
EMPTIED = "it only checked the removed flag"
SET_UPS = frozenset({"setUp", "setUpTestData", "setUpClass", "setup_method", "setup_class",
                     "asyncSetUp"})


@dataclass
class TestFacts:
    """What the codemod knows about one chunk when its tests are planned."""

    reads: Sequence[CallPattern]  # the flag-reading call patterns (what a mock may replace)
    values: Mapping[str, bool]  # removed key -> final value
    key_of: Callable[[str, bool], str | None]  # a string, or a name (True), -> the removed key
    wrappers: Mapping[str, bool]  # functions that only returned a removed flag -> value
    keys: Mapping[int, str]  # id(call) -> key, for every flag call, override and fixture found
    fixtures: Mapping[int, str]  # id(fixture call) -> removed key it creates
    spent: frozenset[str] = frozenset()  # patch targets that only served the removed flags
    removed: frozenset[str] = frozenset()  # every key the run removes (`values` may be empty)


@dataclass
class Verdicts:
    """The tests deleted (by qualified name) and the ones left as they are, with why."""

    deleted: list[tuple[str, str]] = field(default_factory=list)  # name, why
    undecided: list[tuple[cst.CSTNode, str, str]] = field(default_factory=list)  # node, key, why


class _Unsure(Exception):
    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


@dataclass
class _Actions:
    """What one test's pins ask for, applied only once the whole test is decided."""

    dead: bool = False
    decorators: list[int] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    dead_items: list[int] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    params: dict[int, set[str]] = field(default_factory=dict)

    @property
    def planned(self) -> bool:
        """Whether a pin was read: something to drop, or the dead value."""
        return bool(self.dead or self.decorators or self.items
                    or self.statements or self.params)


def pin_lines(source: str, targets: Sequence[int]) -> set[int]:
    """Target lines that patch something: their chunks go to `plan_tests` even without a read."""
    lines = source.split("\n")
    return {number for number in targets
            if number <= len(lines) and PATCH_WORD.search(lines[number - 1])}


def set_up_classes(tree: ast.Module, targets: Sequence[int]) -> list[int]:
    """The lines of classes whose set-up method holds a target: such a class is planned whole."""
    wanted = set(targets)
    found: list[int] = []
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    while classes:
        node = classes.pop()
        classes.extend(inner for inner in node.body if isinstance(inner, ast.ClassDef))
        if any(isinstance(method, ast.FunctionDef) and method.name in SET_UPS
               and not wanted.isdisjoint(range(method.lineno, (method.end_lineno or 0) + 1))
               for method in node.body):
            found.append(node.lineno)
    return found


def owner_of(classes: Nesting, line: int) -> str:
    """`Outer::Inner::` for a statement at 1-based `line` inside classes' bodies, else ``."""
    names: list[str] = []
    for node in classes.around(line):
        if not node.body or _first_line(node.body[0]) > line:
            break
        names.append(node.name)
    return "".join(f"{name}::" for name in names)


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def plan_tests(tree: cst.Module, plan: Plan, facts: TestFacts) -> Verdicts:
    """Add the tests' pins of the removed flags to `plan`; return what happened to the tests."""
    verdicts = Verdicts()
    planner = _Planner(plan, facts, verdicts)
    planner.body(tree.body, [])
    return verdicts


class _Planner:
    def __init__(self, plan: Plan, facts: TestFacts, verdicts: Verdicts) -> None:
        self.plan = plan
        self.facts = facts
        self.verdicts = verdicts
        self.class_params: dict[int, list[str]] = {}

    def body(self, statements: Sequence[cst.BaseStatement], classes: list[str]) -> None:
        for statement in statements:
            if isinstance(statement, cst.ClassDef):
                self.test_class(statement, classes)
            elif isinstance(statement, cst.FunctionDef):
                self.function(statement, classes, None)

    def _decide(self, node: cst.FunctionDef | cst.ClassDef, name: str,
                decide: Callable[[_Actions], None]) -> _Actions | None:
        actions = _Actions()
        try:
            decide(actions)
        except _Unsure as unsure:
            self.verdicts.undecided.append((node, unsure.key, f"{name}: {unsure.reason}"))
            return None
        if self._overridden_dead(node):  # the transform deletes it
            self.verdicts.deleted.append((name, DEAD))
            return None
        emptied = _emptied(node, actions)
        if not (actions.planned or emptied) and _is_test(node):
            used = self._wrapper_use(node)
            if used is not None:
                value = self.facts.wrappers[used]
                self.verdicts.undecided.append(
                    (node, "", f"{name}: it uses '{used}', which now always returns {value}, "
                               "in a way flagdebt cannot follow: check it by hand"))
                return None
        if actions.dead or emptied:
            if not _is_test(node):
                self.verdicts.undecided.append(
                    (node, "", f"{name}: a helper pinned to a removed flag's dead value: "
                               "decide by hand"))
                return None
            self.plan.doomed[id(node)] = name
            self.verdicts.deleted.append((name, DEAD if actions.dead else EMPTIED))
            return None
        return actions

    def _wrapper_use(self, node: cst.FunctionDef | cst.ClassDef) -> str | None:
        """The name of a folded wrapper the test names, by a string (`getattr(block, "x")`)
        or an attribute, where no mock, assertion or fixture above was read."""
        for inner in walk(node):
            spelled = inner.evaluated_value if isinstance(inner, cst.SimpleString) \
                else inner.value if isinstance(inner, cst.Name) else None
            if isinstance(spelled, str) and spelled in self.facts.wrappers \
                    and self._names_a_removed_flag(spelled, node):
                return spelled
        return None

    def _names_a_removed_flag(self, wrapper: str, scope: cst.FunctionDef | cst.ClassDef) -> bool:
        """Whether a wrapper's name is surely the wrapper's: it holds a removed key's words
        (`mfe_views_enabled`), or the test names a removed key. (A wrapper called `enabled`
        shares its name with many other attributes.)"""
        snake = f"_{_snake(wrapper)}_"
        return any(f"_{_ident(key)}_" in snake for key in {*self.facts.values, *self.facts.removed}) \
            or bool(self._mentions(scope)[0])

    def _overridden_dead(self, node: cst.FunctionDef | cst.ClassDef) -> bool:
        return any(self.plan.overrides.get(id(d.decorator)) is False for d in node.decorators)

    def test_class(self, node: cst.ClassDef, classes: list[str]) -> None:
        name = "::".join([*classes, node.name.value])
        methods = [s for s in node.body.body if isinstance(s, cst.FunctionDef)]
        tests = [m for m in methods if m.name.value.startswith("test")]

        def decide(actions: _Actions) -> None:
            injecting = [d for d in reversed(node.decorators) if _injects(d)]
            for decorator in node.decorators:
                patch = read_patch(decorator.decorator)
                if patch is None or not self._pins(patch, node, actions, in_test=True):
                    continue
                actions.decorators.append(id(patch.call))
                if patch.injects:
                    index = injecting.index(decorator)
                    for method in tests:
                        skip = sum(_injects(d) for d in method.decorators)
                        actions.params.setdefault(id(method), set()).add(
                            _param_at(method, skip + index, True, patch))
            actions.dead = actions.dead or self._set_up_dead(node, methods)

        actions = self._decide(node, name, decide)
        if actions is None:
            return
        self._apply(actions)
        for method in methods:
            self.function(method, [*classes, node.name.value], node)

    def _set_up_dead(self, node: cst.ClassDef, methods: Sequence[cst.FunctionDef]) -> bool:
        """A set-up creates a removed flag with its dead value, in a class named for that flag:
        every test of the class exercised the dead branch."""
        words = _words(node)
        for method in methods:
            if method.name.value not in SET_UPS:
                continue
            for statement in _walk(method.body):
                calls = [small.value for small in getattr(statement, "body", ())
                         if isinstance(small, (cst.Expr, cst.Assign))
                         and isinstance(small.value, cst.Call)]
                for call in calls:
                    assert isinstance(call, cst.Call)
                    key = self.facts.fixtures.get(id(call))
                    if key is not None and fixture_value(call) is (not self.facts.values[key]) \
                            and f"_{_ident(key)}_" in words:
                        return True
        return False

    def function(self, node: cst.FunctionDef, classes: list[str],
                 owner: cst.ClassDef | None) -> None:
        name = "::".join([*classes, node.name.value])

        def decide(actions: _Actions) -> None:
            injecting = [d for d in reversed(node.decorators) if _injects(d)]
            for decorator in node.decorators:
                patch = read_patch(decorator.decorator)
                if patch is None or not self._pins(patch, node, actions, _is_test(node)):
                    continue
                actions.decorators.append(id(patch.call))
                if patch.injects:
                    param = _param_at(node, injecting.index(decorator), _is_method(node, owner),
                                      patch)
                    actions.params.setdefault(id(node), set()).add(param)
            self._inner(node, actions)

        actions = self._decide(node, name, decide)
        if actions is not None:
            self._apply(actions)

    def _inner(self, function: cst.FunctionDef, actions: _Actions) -> None:
        """Pins inside the body: `with patch(...)`, patch statements, fixtures, assertions."""
        test = _is_test(function)
        live, dead = False, []
        for node in _walk(function.body):
            if isinstance(node, cst.With):
                for item in node.items:
                    patch = read_patch(item.item)
                    outcome = self._outcome(patch, function) if patch else None
                    if outcome == "dead":
                        dead.append(id(item.item))
                    elif outcome == "drop" and patch is not None:
                        _unused_alias(item, function, patch)
                        actions.items.append(id(item.item))
                    live = live or outcome in ("drop", "keep")
            elif isinstance(node, cst.SimpleStatementLine):
                for small in node.body:
                    self._statement(small, function, actions, test)
        if live:  # the test checks both values: only the `with` of the dead one goes
            actions.dead_items.extend(dead)
            actions.statements.extend(_dead_followers(function.body, set(dead)))
        elif dead:
            actions.dead = True

    def _statement(self, small: cst.BaseSmallStatement, function: cst.FunctionDef,
                   actions: _Actions, test: bool) -> None:
        value = small.value if isinstance(small, (cst.Expr, cst.Assign)) else None
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(small, cst.Assert):
            self._assertion(small, small.test, True, actions, test)
        elif isinstance(value, cst.Call) and id(value) in self.facts.fixtures:
            if test or function.name.value in SET_UPS:  # not a data migration, say
                self._fixture(small, value, function, actions, test)
        elif isinstance(small, cst.Expr) and isinstance(value, cst.Call):
            patch = read_patch(value)
            if patch is not None:
                if self._pins(patch, function, actions, test):
                    actions.statements.append(id(small))
            else:
                self._assert_call(small, value, actions, test)
        elif isinstance(small, cst.Assign) and value is not None:
            patch = read_patch(value)
            if patch is not None and self._pins(patch, function, actions, test):
                _unused_targets(small, function, "the mock")
                actions.statements.append(id(small))
            elif patch is None:
                self._wrapper_assignment(small, actions, function)

    def _wrapper_assignment(self, small: cst.Assign, actions: _Actions,
                            function: cst.FunctionDef) -> None:
        """`block.feature_enabled = True` on a folded wrapper: a no-op when it is the value the
        wrapper now returns (it goes); with the other value, the test is left to a person,
        since whether anything still reads the attribute is not known here."""
        target = small.targets[0].target if len(small.targets) == 1 else None
        name = target.attr.value if isinstance(target, cst.Attribute) else None
        value = literal_bool(small.value)
        if name is None or name not in self.facts.wrappers or value is None \
                or not self._names_a_removed_flag(name, function):
            return
        if value == self.facts.wrappers[name]:
            actions.statements.append(id(small))
            return
        raise _Unsure("", f"it sets '{name}' to {value}, the removed flag's dead value: "
                          "check it by hand")

    def _assert_call(self, small: cst.Expr, call: cst.Call, actions: _Actions, test: bool) -> None:
        method = dotted(call.func)[-1]
        args = [arg.value for arg in call.args if arg.keyword is None]
        if not args:
            return
        if method in ASSERT_TRUE or method in ASSERT_FALSE:
            self._assertion(small, args[0], method in ASSERT_TRUE, actions, test)
        elif method in ASSERT_EQUAL and len(args) > 1:
            expected = literal_bool(args[1])
            if expected is not None:
                self._assertion(small, args[0], expected, actions, test)

    def _assertion(self, small: cst.BaseSmallStatement, tested: cst.BaseExpression,
                   expected: bool, actions: _Actions, test: bool) -> None:
        """An assertion on the flag itself: a no-op when it holds, the dead branch when not."""
        value = flag_value(tested, self.plan.calls)
        if value is None or not test:
            return
        if value == expected:
            actions.statements.append(id(small))
        else:
            actions.dead = True

    def _fixture(self, small: cst.BaseSmallStatement, call: cst.Call,
                 function: cst.FunctionDef, actions: _Actions, test: bool) -> None:
        key = self.facts.fixtures[id(call)]
        value = fixture_value(call)
        if value is None:
            raise _Unsure(key, f"creates flag '{key}' with a state flagdebt cannot read: "
                               "decide by hand")
        if value != self.facts.values[key]:
            if not test:
                raise _Unsure(key, f"creates flag '{key}' with its dead value for every test "
                                   "that uses it: decide by hand")
            actions.dead = True
            return
        if isinstance(small, cst.Assign):
            _unused_targets(small, function, f"the flag '{key}'")
        actions.statements.append(id(small))

    def _pins(self, patch: Patch, scope: cst.FunctionDef | cst.ClassDef, actions: _Actions,
              in_test: bool) -> bool:
        """Whether the patch only served removed flags at their final values (it can go).

        A patch that pins a removed flag to its dead value sets `actions.dead`; one that is
        not about the removed flags, or also serves other flags, is left alone.
        """
        outcome = self._outcome(patch, scope)
        if outcome == "dead":
            actions.dead = True
        return outcome == "drop"

    def _outcome(self, patch: Patch, scope: cst.FunctionDef | cst.ClassDef) -> str | None:
        facts = self.facts
        if patch.name in facts.wrappers:
            if patch.returns is None:
                raise _Unsure("", f"a mock of '{patch.name}' without a constant return_value")
            return "drop" if patch.returns == facts.wrappers[patch.name] else "dead"
        pattern = next((p for p in facts.reads if p.name[-1] == patch.name), None)
        if pattern is None:
            return None
        if patch.target in facts.spent and patch.effect is None and facts.values:
            return self._spent_outcome(patch)
        if patch.effect is not None:
            return self._effect_outcome(patch, pattern, scope)
        mentioned, others = self._mentions(scope)
        if not mentioned:
            return None
        if patch.returns is None:
            raise _Unsure(sorted(mentioned)[0], f"a mock of '{patch.name}' whose value "
                                                "flagdebt cannot read: decide by hand")
        if others:
            raise _Unsure(sorted(mentioned)[0],
                          f"the mock of '{patch.name}' pins every flag it reads, and the test "
                          f"also reads {', '.join(repr(k) for k in sorted(others))}: decide by hand")
        dead = any(facts.values[key] != patch.returns for key in mentioned)
        return "dead" if dead else "drop"

    def _spent_outcome(self, patch: Patch) -> str:
        """A patch of a flag function the patched module no longer reads: it pinned only the
        removed flags (all of one final value)."""
        if patch.returns is None:
            raise _Unsure("", f"a mock of '{patch.target}', which only the removed flag read, "
                              "without a constant return_value: decide by hand")
        return "drop" if patch.returns in self.facts.values.values() else "dead"

    def _effect_outcome(self, patch: Patch, pattern: CallPattern,
                        scope: cst.FunctionDef | cst.ClassDef) -> str | None:
        assert patch.effect is not None
        strings = patch.strings()
        named = {key for key in (self.facts.key_of(text, False) for text in strings)
                 if key is not None}
        constant = _constant_effect(patch.effect, pattern)
        if not named and constant is not None:  # `lambda *args: True` is a return_value
            return self._outcome(replace(patch, returns=constant, effect=None), scope)
        if not named:
            mentioned, _ = self._mentions(scope)
            if mentioned:
                raise _Unsure(sorted(mentioned)[0], f"a side_effect of the mock of "
                                                    f"'{patch.name}' that flagdebt cannot read")
            return None
        position = pattern.arg if isinstance(pattern.arg, int) else 0
        for key in sorted(named):
            value = effect_value(patch.effect, key, position)
            if value is None:
                raise _Unsure(key, f"a side_effect of the mock of '{patch.name}' that "
                                   "flagdebt cannot evaluate: decide by hand")
            if value != self.facts.values[key]:
                return "dead"
        serves_others = any(self.facts.key_of(text, False) is None for text in strings)
        return "keep" if serves_others else "drop"

    def _mentions(self, scope: cst.FunctionDef | cst.ClassDef) -> tuple[set[str], set[str]]:
        """The removed keys a test names (strings, constants, its name, docstring), and the
        other keys it reads, overrides or creates."""
        mentioned: set[str] = set()
        others: set[str] = set()
        for node in walk(scope):
            key = self.facts.keys.get(id(node)) if isinstance(node, cst.Call) else None
            if key is not None:
                (mentioned if key in self.facts.values else others).add(key)
            spelled = _spelling(node)
            found = self.facts.key_of(*spelled) if spelled else None
            if found is not None:
                mentioned.add(found)
        words = _words(scope)
        mentioned.update(key for key in self.facts.values if f"_{_ident(key)}_" in words)
        return mentioned, others

    def _apply(self, actions: _Actions) -> None:
        for call in [*actions.decorators, *actions.items]:
            self.plan.overrides[call] = True
        for call in actions.dead_items:
            self.plan.overrides[call] = False
        self.plan.dropped.update(actions.statements)
        for function, names in actions.params.items():
            self.plan.params[function] = self.plan.params.get(function, frozenset()) | names


def _constant_effect(effect: cst.Lambda, pattern: CallPattern) -> bool | None:
    """What a side effect returns whatever the key, if that is one constant."""
    position = pattern.arg if isinstance(pattern.arg, int) else 0
    answers = {effect_value(effect, probe, position) for probe in ("\0a", "\0b")}
    answer = answers.pop() if len(answers) == 1 else None
    return answer


def _emptied(node: cst.FunctionDef | cst.ClassDef, actions: _Actions) -> bool:
    """A test whose every statement goes (it only asserted the flag): nothing is left to run."""
    if not isinstance(node, cst.FunctionDef) or not isinstance(node.body, cst.IndentedBlock):
        return False
    body = list(node.body.body)[1 if node.get_docstring() is not None else 0:]
    dropped = set(actions.statements)
    return bool(body) and all(isinstance(line, cst.SimpleStatementLine)
                              and all(id(small) in dropped for small in line.body) for line in body)


def _dead_followers(block: cst.BaseSuite, dead: set[int]) -> Iterator[int]:
    """The simple statements after a dead `with` that read what it bound (its assertions),
    up to the first statement that binds one of those names again."""
    body = block.body if isinstance(block, cst.IndentedBlock) else ()
    for index, statement in enumerate(body):
        if isinstance(statement, cst.With) and any(id(i.item) in dead for i in statement.items):
            bound = _bound_names(statement.body)
            for follower in body[index + 1:]:
                if not isinstance(follower, cst.SimpleStatementLine) \
                        or _bound_names(follower) & bound:
                    break
                if any(isinstance(n, cst.Name) and n.value in bound for n in walk(follower)):
                    yield from (id(small) for small in follower.body)
        elif not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            for child in statement.children:
                if isinstance(child, cst.BaseSuite):
                    yield from _dead_followers(child, dead)


def _bound_names(node: cst.CSTNode) -> set[str]:
    names: set[str] = set()
    for inner in walk(node):
        targets: list[cst.BaseExpression] = []
        if isinstance(inner, cst.Assign):
            targets = [target.target for target in inner.targets]
        elif isinstance(inner, (cst.AnnAssign, cst.AugAssign)):
            targets = [inner.target]
        for target in targets:
            names.update(n.value for n in walk(target) if isinstance(n, cst.Name))
    return names


def _is_test(node: cst.FunctionDef | cst.ClassDef) -> bool:
    name = node.name.value
    if isinstance(node, cst.FunctionDef):
        return name.startswith("test")
    return "Test" in name or any(isinstance(s, cst.FunctionDef) and s.name.value.startswith("test")
                                 for s in node.body.body)


def _injects(decorator: cst.Decorator) -> bool:
    patch = read_patch(decorator.decorator)
    if patch is not None:
        return patch.injects
    call = decorator.decorator
    if not isinstance(call, cst.Call):
        return False
    parts = dotted(call.func)
    new = any(arg.keyword is not None and arg.keyword.value == "new" for arg in call.args)
    return (parts[-1] == "patch" or parts[-2:] == ("patch", "object")) and not new


def _is_method(function: cst.FunctionDef, owner: cst.ClassDef | None) -> bool:
    """Inside a class (a chunk may hold a method without its class: then `self`/`cls` tells)."""
    if owner is not None:
        return True
    params = [*function.params.posonly_params, *function.params.params]
    return bool(params) and params[0].name.value in ("self", "cls")


def _param_at(function: cst.FunctionDef, index: int, method: bool, patch: Patch) -> str:
    """The parameter a patch decorator's mock is passed as; unsure when it is used."""
    params = [*function.params.posonly_params, *function.params.params]
    is_static = any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
                    for d in function.decorators)
    index += 1 if method and not is_static else 0
    if index >= len(params):
        if isinstance(function.params.star_arg, cst.Param):
            return ""
        raise _Unsure("", f"the mock of '{patch.name}' has no parameter to go with it")
    name = params[index].name.value
    if _uses(function.body, name):
        raise _Unsure("", f"the test uses the mock of '{patch.name}' ({name})")
    return name


def _unused_alias(item: cst.WithItem, function: cst.FunctionDef, patch: Patch) -> None:
    alias = item.asname.name if item.asname is not None else None
    if isinstance(alias, cst.Name) and _uses(function.body, alias.value, 1):
        raise _Unsure("", f"the test uses the mock of '{patch.name}' ({alias.value})")
    if alias is not None and not isinstance(alias, cst.Name):
        raise _Unsure("", f"the mock of '{patch.name}' is bound to a pattern")


def _unused_targets(assign: cst.Assign, function: cst.FunctionDef, what: str) -> None:
    for target in assign.targets:
        names = [target.target] if not isinstance(target.target, cst.Tuple) else \
            [element.value for element in target.target.elements]
        for name in names:
            if not isinstance(name, cst.Name):
                raise _Unsure("", f"keeps {what} in {cst.Module([]).code_for_node(name)}")
            if name.value != "_" and _uses(function.body, name.value, 1):
                raise _Unsure("", f"uses {what} later ({name.value})")


def _uses(node: cst.CSTNode, name: str, allowed: int = 0) -> bool:
    return sum(isinstance(n, cst.Name) and n.value == name for n in walk(node)) > allowed


def _walk(block: cst.BaseSuite) -> Iterator[cst.CSTNode]:
    """The statements of a block and of the blocks nested in it, not of nested definitions."""
    body: Sequence[cst.CSTNode] = block.body if isinstance(block, cst.IndentedBlock) else [block]
    for statement in body:
        yield statement
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        for child in statement.children:
            if isinstance(child, cst.BaseSuite):
                yield from _walk(child)
            elif isinstance(child, (cst.Else, cst.Finally, cst.ExceptHandler, cst.If)):
                yield from _walk_clause(child)


def _walk_clause(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    if isinstance(node, cst.If):
        yield node
    for child in node.children:
        if isinstance(child, cst.BaseSuite):
            yield from _walk(child)
        elif isinstance(child, (cst.Else, cst.If)):
            yield from _walk_clause(child)


def _spelling(node: cst.CSTNode) -> tuple[str, bool] | None:
    """A string's value, or a name's dotted text (True), that may spell a key."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return (value, False) if isinstance(value, str) else None
    if isinstance(node, (cst.Name, cst.Attribute)):
        parts = dotted(node)
        return (".".join(parts), True) if "()" not in parts else None
    return None


def _ident(key: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", key.lower()).strip("_")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _words(scope: cst.FunctionDef | cst.ClassDef) -> str:
    """The scope's name and docstring as `_words_joined_by_underscores_`."""
    doc = scope.get_docstring() or ""
    return f"_{_snake(scope.name.value)}_{_ident(doc)}_"
