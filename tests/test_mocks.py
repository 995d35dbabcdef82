"""Reading patches and fixtures: which function a patch replaces, and what it answers for a key."""

from __future__ import annotations

import libcst as cst
import pytest

from flagdebt.mocks import drop_params, effect_value, patch_targets, read_patch
from flagdebt.testfixtures import fixture_value

EFFECTS = {
    "equals-key": ("lambda name: name == 'x'", "x", 0, True),
    "equals-other": ("lambda name: name == 'y'", "x", 0, False),
    "request-then-name": ("lambda request, name: name in {'x', 'y'}", "x", 1, True),
    "star-args-last": ("lambda *a: a[-1] in ('x',)", "x", 1, True),
    "fewer-params-takes-last": ("lambda name: name != 'x'", "x", 3, False),
    "dict-get": ("lambda n: {'x': True}.get(n, False)", "x", 0, True),
    "constant": ("lambda *a, **k: False", "x", 0, False),
    "not-a-bool": ("lambda n: n", "x", 0, None),
    "calls-a-function": ("lambda n: enabled(n)", "x", 0, None),
    "attribute-access": ("lambda r, n: r.user.is_staff", "x", 1, None),
    "no-params": ("lambda: True", "x", 0, None),
}


@pytest.mark.parametrize("case", sorted(EFFECTS))
def test_side_effect_value(case: str) -> None:
    code, key, position, expected = EFFECTS[case]
    effect = cst.parse_expression(code)
    assert isinstance(effect, cst.Lambda)
    assert effect_value(effect, key, position) is expected


PATCHES = {
    "plain": ('patch("a.b.flag_is_active", return_value=True)', ("flag_is_active", True, True)),
    "mocker": ('mocker.patch("a.b.f", return_value=False)', ("f", True, False)),
    "object": ('mock.patch.object(waffle, "switch_is_active")', ("switch_is_active", True, None)),
    "object-keyword": ('patch.object(w, attribute="f", return_value=True)', ("f", True, True)),
    "new-keyword": ('patch("a.f", new=lambda *a: True)', ("f", False, None)),
    "new-positional-mock": ('patch("a.f", Mock(return_value=False))', ("f", False, False)),
    "started": ('patch("a.f", return_value=True).start()', ("f", True, True)),
    "target-keyword": ('patch(target="a.f")', ("f", True, None)),
}


@pytest.mark.parametrize("case", sorted(PATCHES))
def test_read_patch(case: str) -> None:
    code, (name, injects, returns) = PATCHES[case]
    patch = read_patch(cst.parse_expression(code))
    assert patch is not None
    assert (patch.name, patch.injects, patch.returns) == (name, injects, returns)


@pytest.mark.parametrize("code", ["patch(TARGET)", "patch.dict(os.environ, {})", "patcher()",
                                  "self.client.patch('/api/')".replace("'/api/'", "url")])
def test_not_a_readable_patch(code: str) -> None:
    assert read_patch(cst.parse_expression(code)) is None


FIXTURES = {
    "flag-everyone": ('Flag.objects.create(name="x", everyone=True)', True),
    "flag-everyone-off": ('Flag.objects.create(name="x", everyone=False)', False),
    "flag-rules": ('Flag.objects.create(name="x", percent=30)', None),
    "flag-no-state": ('Flag.objects.create(name="x")', None),
    "switch-default-off": ('Switch.objects.create(name="x")', False),
    "switch-defaults": ('Switch.objects.get_or_create(name="x", defaults={"active": True})', True),
    "sample-full": ('Sample.objects.create(name="x", percent=100)', True),
    "sample-none": ('Sample.objects.create(name="x", percent=0.0)', False),
    "row-exists": ("get(Feature, feature_id=Feature.X)", True),
    "factory-off": ('FlagFactory(name="x", enabled=False)', False),
}


@pytest.mark.parametrize("case", sorted(FIXTURES))
def test_fixture_value(case: str) -> None:
    code, expected = FIXTURES[case]
    call = cst.parse_expression(code)
    assert isinstance(call, cst.Call)
    assert fixture_value(call) is expected


@pytest.mark.parametrize(("before", "names", "after"), [
    ("def t(self, a, b): pass", {"a"}, "def t(self, b): pass"),
    ("def t(self, a, b): pass", {"b"}, "def t(self, a): pass"),
    ("def t(self, a, *args): pass", {"a"}, "def t(self, *args): pass"),
    ("def t(\n    self,\n    a,\n    b,\n):\n    pass", {"b"}, "def t(\n    self,\n    a,\n):\n    pass"),
    ("def t(\n    self,\n    a,\n    b,\n):\n    pass", {"a"}, "def t(\n    self,\n    b,\n):\n    pass"),
])
def test_drop_params(before: str, names: set[str], after: str) -> None:
    function = cst.parse_statement(before)
    assert isinstance(function, cst.FunctionDef)
    dropped = function.with_changes(params=drop_params(function.params, frozenset(names)))
    assert cst.Module([]).code_for_node(dropped).rstrip("\n") == after


def test_patch_targets_in_text() -> None:
    text = 'patch("a.b.c")\nmock.patch(\n    \'d.e\', return_value=1)\npatch(target="f.g")\nx.patch(y)'
    assert list(patch_targets(text)) == ["a.b.c", "d.e", "f.g"]
