"""Templates and scripts: the reads of the preset forms, and how `remove` folds template blocks."""

from __future__ import annotations

import textwrap

import pytest

from flagdebt.jsscan import find_reads
from flagdebt.presets import WAFFLE
from flagdebt.templates import TemplateForms, find_reads_in_template, rewrite_template

FORMS = TemplateForms(WAFFLE.tags, (WAFFLE.library,), (*WAFFLE.tags, *WAFFLE.other_tags), WAFFLE.jinja)


def reads(text: str) -> list[tuple[int, str, str]]:
    return [(r.line, r.callee, r.key) for r in find_reads_in_template(textwrap.dedent(text), FORMS)]


@pytest.mark.parametrize(("text", "expected"), [
    ('{% flag "a" %}x{% endflag %}', [(1, "{% flag %}", "a")]),
    ("{%- switch 'b' -%}x{% endswitch %}", [(1, "{% switch %}", "b")]),
    ('{% sample "c" %}x{% else %}y{% endsample %}', [(1, "{% sample %}", "c")]),
    ("{% if waffle.flag('d') %}x{% endif %}", [(1, "waffle.flag", "d")]),
    ('{{ waffle.switch("e") }}', [(1, "waffle.switch", "e")]),
    ('{% flag name %}x{% endflag %}', [(1, "{% flag %}", "name")]),
], ids=["django-flag", "django-switch-trimmed", "django-sample", "jinja-if", "jinja-expression",
        "django-variable"])
def test_template_reads(text: str, expected) -> None:
    assert reads(text) == expected


@pytest.mark.parametrize("text", [
    '{% if flag %}x{% endif %}',
    '{% flags "a" %}',
    "{{ other.flag('a') }}",
    '{% comment %}not a tag: flag "a"{% endcomment %}',
], ids=["variable-named-flag", "other-tag", "other-object", "text"])
def test_template_look_alikes_are_not_reads(text: str) -> None:
    assert reads(text) == []


CASES = {
    "flag-on-keeps-body": (
        '{% load waffle_tags %}\n<p>\n{% flag "a" %}\n  new\n{% else %}\n  old\n{% endflag %}\n</p>\n',
        True, "<p>\n  new\n</p>\n"),
    "flag-off-keeps-else": (
        '{% load waffle_tags %}\n<p>\n{% flag "a" %}\n  new\n{% else %}\n  old\n{% endflag %}\n</p>\n',
        False, "<p>\n  old\n</p>\n"),
    "off-without-else-goes-with-its-line": (
        '<p>\n  {% switch "a" %}<b>x</b>{% endswitch %}\n</p>\n', False, "<p>\n</p>\n"),
    "inline-block": ('<p>{% flag "a" %}on{% else %}off{% endflag %}!</p>\n', True, "<p>on!</p>\n"),
    "nested-blocks-inside": (
        '{% flag "a" %}{% if x %}1{% else %}2{% endif %}{% else %}3{% endflag %}\n', True,
        "{% if x %}1{% else %}2{% endif %}\n"),
    "load-kept-for-other-tags": (
        '{% load i18n waffle_tags %}\n{% flag "a" %}A{% endflag %}\n{% switch "b" %}B{% endswitch %}\n',
        True, '{% load i18n waffle_tags %}\nA\n{% switch "b" %}B{% endswitch %}\n'),
    "load-shared-with-another-library": (
        '{% load i18n waffle_tags %}\n{% flag "a" %}A{% endflag %}\n', True, "{% load i18n %}\nA\n"),
    "jinja-if": ("{% if waffle.flag('a') %}\nyes\n{% else %}\nno\n{% endif %}\n", True, "yes\n"),
    "jinja-if-not": ('{% if not waffle.flag("a") %}yes{% else %}no{% endif %}\n', True, "no\n"),
    "other-flags-untouched": ('{% flag "b" %}B{% endflag %}\n', True, '{% flag "b" %}B{% endflag %}\n'),
}


@pytest.mark.parametrize(("text", "value", "expected"), CASES.values(), ids=CASES.keys())
def test_rewrite_folds_blocks(text: str, value: bool, expected: str) -> None:
    result = rewrite_template(text, {"a": value}, FORMS)
    assert (result.text, result.blocking) == (expected, [])
    again = rewrite_template(result.text, {"a": value}, FORMS)
    assert again.text == result.text


@pytest.mark.parametrize(("text", "expected"), [
    ("{{ waffle.flag('a') }}\n", [(1, 4, "a template expression flagdebt cannot fold")]),
    ("{% if waffle.flag('a') and user %}x{% endif %}\n",
     [(1, 7, "a template expression flagdebt cannot fold")]),
    ("{% if waffle.flag('a') %}x{% elif y %}z{% endif %}\n",
     [(1, 1, "an {% elif %} chain on the flag: fold it by hand")]),
    ('{% flag "a" %}x\n', [(1, 1, "a flag block without its end tag")]),
], ids=["expression", "compound-condition", "elif", "unclosed"])
def test_reads_that_cannot_be_folded_block(text: str, expected) -> None:
    result = rewrite_template(text, {"a": True}, FORMS)
    assert [(line, col, why) for line, col, _, why in result.blocking] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ('waffle.flag_is_active("a")', [(1, 1, "waffle.flag_is_active", "a")]),
    ("if (window.waffle.switch_is_active('b')) {}", [(1, 12, "waffle.switch_is_active", "b")]),
    ("const x = waffle.flag_is_active(\n  `c`\n);", [(1, 11, "waffle.flag_is_active", "c")]),
    ('mywaffle.flag_is_active("d"); waffle.flag_is_active(name)', []),
], ids=["call", "member-of-window", "template-literal-next-line", "look-alikes"])
def test_script_reads(text: str, expected) -> None:
    found = [(r.line, r.col, r.callee, r.key) for r in find_reads(text, WAFFLE.scripts)]
    assert found == expected
