"""`flagdebt remove` and `fix` end to end: values, diffs, safety of writes, --archive."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import write_tree

REGISTRY = """\
# flags of the test project
[flags.new-checkout]
type = "release"   # short-lived
owner = "payments"
created = 2026-06-01
rolled_out = 2026-09-01

[flags.old-banner]
type = "release"
owner = "growth"
created = 2026-01-01
rolled_back = 2026-02-01

[flags.in-rollout]
type = "release"
owner = "growth"
created = 2026-11-01
"""

VIEWS = """\
from app.flags import flag_enabled


def checkout(cart):
    if flag_enabled("new-checkout"):
        return "new"
    return "old"


def banner():
    if flag_enabled("old-banner"):
        return "banner"
    return None
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {"pyproject.toml": "[tool.flagdebt]\n", "flags.toml": REGISTRY,
                                 "app/__init__.py": "", "app/views.py": VIEWS})


def test_value_comes_from_the_registry(run, project: Path) -> None:
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 0, result.output
    text = (project / "app" / "views.py").read_text()
    assert 'def checkout(cart):\n    return "new"\n' in text
    assert "Removed 1 call site of 'new-checkout' in 1 file." in result.output


def test_rolled_back_keeps_the_disabled_path(run, project: Path) -> None:
    assert run(project, "remove", "old-banner").exit_code == 0
    assert "def banner():\n    return None\n" in (project / "app" / "views.py").read_text()


def test_value_option_overrides_and_is_needed_without_final_value(run, project: Path) -> None:
    views = project / "app" / "views.py"
    views.write_text(VIEWS + '\n\ndef x():\n    return flag_enabled("in-rollout")\n')
    refused = run(project, "remove", "in-rollout")
    assert refused.exit_code == 2
    assert "--value" in refused.output
    assert run(project, "remove", "in-rollout", "--value", "off").exit_code == 0
    assert "def x():\n    return False\n" in views.read_text()


def test_unregistered_key_needs_a_value(run, project: Path) -> None:
    assert run(project, "remove", "unknown").exit_code == 2
    result = run(project, "remove", "unknown", "--value", "true")
    assert result.exit_code == 1  # and no read of it: see test_cli_remove_blocking.py
    assert "no read of 'unknown' found" in result.output


def test_diff_writes_nothing_and_exits_one(run, project: Path) -> None:
    before = (project / "app" / "views.py").read_text()
    result = run(project, "remove", "new-checkout", "--diff")
    assert result.exit_code == 1
    assert "--- a/app/views.py\n+++ b/app/views.py\n" in result.output
    assert '-    if flag_enabled("new-checkout"):\n' in result.output
    assert (project / "app" / "views.py").read_text() == before
    unread = run(project, "remove", "in-rollout", "--value", "on", "--diff")
    assert unread.exit_code == 1 and "no read of 'in-rollout' found" in unread.output


def test_crlf_and_permissions_are_kept(run, project: Path) -> None:
    views = project / "app" / "views.py"
    views.write_bytes(VIEWS.replace("\n", "\r\n").encode())
    views.chmod(0o640)
    assert run(project, "remove", "new-checkout").exit_code == 0
    data = views.read_bytes()
    assert b'def checkout(cart):\r\n    return "new"\r\n' in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert stat.S_IMODE(views.stat().st_mode) == 0o640


def test_latin1_file_keeps_its_encoding(run, project: Path) -> None:
    legacy = project / "app" / "legacy.py"
    legacy.write_bytes(b"# -*- coding: latin-1 -*-\nfrom app.flags import flag_enabled\n\n"
                       b"def f():\n    if flag_enabled('new-checkout'):\n        return '\xe9t\xe9'\n"
                       b"    return None\n")
    assert run(project, "remove", "new-checkout").exit_code == 0
    assert legacy.read_bytes() == b"# -*- coding: latin-1 -*-\n\ndef f():\n    return '\xe9t\xe9'\n"


def test_unparsable_file_is_reported_and_left_alone(run, project: Path) -> None:
    broken = project / "app" / "broken.py"
    broken.write_text('if flag_enabled("new-checkout")\n    pass\n')
    result = run(project, "remove", "new-checkout", "--partial")
    assert result.exit_code == 1
    assert "app/broken.py:1:18: cannot remove 'new-checkout': not rewritten: cannot parse" \
        in result.output
    assert broken.read_text() == 'if flag_enabled("new-checkout")\n    pass\n'
    assert 'return "new"' in (project / "app" / "views.py").read_text()


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_read_only_file_is_reported_not_rewritten(run, project: Path) -> None:
    views = project / "app" / "views.py"
    views.chmod(0o444)
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 1
    assert "read-only" in result.output
    assert views.read_text() == VIEWS


def test_only_given_paths_are_rewritten(run, project: Path) -> None:
    other = project / "other.py"
    other.write_text('from app.flags import flag_enabled\nx = flag_enabled("new-checkout")\n')
    assert run(project, "remove", "new-checkout", "app").exit_code == 0
    assert other.read_text() == 'from app.flags import flag_enabled\nx = flag_enabled("new-checkout")\n'
    assert 'return "new"' in (project / "app" / "views.py").read_text()


def test_constant_in_another_module_goes_when_unused(run, project: Path) -> None:
    write_tree(project, {
        "app/names.py": 'NEW_CHECKOUT = "new-checkout"\nOTHER = "x"\n',
        "app/views.py": ("from app.flags import flag_enabled\nfrom app.names import NEW_CHECKOUT\n\n\n"
                         "def f():\n    return flag_enabled(NEW_CHECKOUT)\n"),
    })
    assert run(project, "remove", "new-checkout").exit_code == 0
    assert (project / "app" / "views.py").read_text() == "\n\ndef f():\n    return True\n".lstrip("\n")
    assert (project / "app" / "names.py").read_text() == 'OTHER = "x"\n'


def test_constant_still_read_elsewhere_is_kept(run, project: Path) -> None:
    write_tree(project, {
        "app/names.py": 'NEW_CHECKOUT = "new-checkout"\n',
        "app/views.py": ("from app.flags import flag_enabled\nfrom app.names import NEW_CHECKOUT\n\n\n"
                         "def f():\n    return flag_enabled(NEW_CHECKOUT)\n"),
        "app/analytics.py": "from app.names import NEW_CHECKOUT\n\nEVENTS = [NEW_CHECKOUT]\n",
    })
    assert run(project, "remove", "new-checkout").exit_code == 0
    assert (project / "app" / "names.py").read_text() == 'NEW_CHECKOUT = "new-checkout"\n'


def test_class_attribute_and_its_choices_go_when_unread(run, project: Path) -> None:
    write_tree(project, {
        "app/features.py": ('class Feature:\n    NEW_CHECKOUT = "new-checkout"\n    SAVED = "saved"\n\n'
                            '    CHOICES = [\n        (NEW_CHECKOUT, "New checkout"),\n'
                            '        (SAVED, "Saved carts"),\n    ]\n'),
        "app/views.py": ("from app.features import Feature\nfrom app.flags import flag_enabled\n\n\n"
                         "def f():\n    return 1 if flag_enabled(Feature.NEW_CHECKOUT) else 2\n"),
    })
    assert run(project, "remove", "new-checkout").exit_code == 0
    assert (project / "app" / "features.py").read_text() == (
        'class Feature:\n    SAVED = "saved"\n\n    CHOICES = [\n        (SAVED, "Saved carts"),\n    ]\n')
    assert (project / "app" / "views.py").read_text() == "def f():\n    return 1\n"


def test_class_attribute_read_elsewhere_is_kept(run, project: Path) -> None:
    features = 'class Feature:\n    NEW_CHECKOUT = "new-checkout"\n'
    write_tree(project, {
        "app/features.py": features,
        "app/views.py": ("from app.features import Feature\nfrom app.flags import flag_enabled\n\n\n"
                         "def f():\n    return 1 if flag_enabled(Feature.NEW_CHECKOUT) else 2\n"),
        "app/audit.py": "from app.features import Feature\n\nLOGGED = {Feature.NEW_CHECKOUT}\n",
    })
    assert run(project, "remove", "new-checkout").exit_code == 0
    assert (project / "app" / "features.py").read_text() == features


HELPERS = """\
from app.flags import flag_enabled


def extra_columns():
    if flag_enabled("new-checkout"):
        return []
    return ["legacy_total"]


class Report:
    def badge(self):
        if flag_enabled("new-checkout"):
            return None
        return "legacy"

    def render(self):
        if self.badge():
            return "with badge"
        return "plain"
"""


def test_helpers_left_returning_a_literal_are_inlined_and_deleted(run, project: Path) -> None:
    write_tree(project, {
        "app/helpers.py": HELPERS,
        "app/views.py": ("from app.helpers import extra_columns\n\n\n"
                         "def columns():\n    return [\"id\", *extra_columns()]\n"),
    })
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 0, result.output
    assert (project / "app" / "views.py").read_text() == 'def columns():\n    return ["id"]\n'
    assert (project / "app" / "helpers.py").read_text() == (
        'class Report:\n    def render(self):\n        return "plain"\n')


def test_helper_named_in_a_template_is_kept_and_reported(run, project: Path) -> None:
    write_tree(project, {
        "app/helpers.py": HELPERS,
        "app/views.py": ("from app.helpers import extra_columns\n\n\n"
                         "def columns():\n    return [\"id\", *extra_columns()]\n"),
        "templates/report.html": "<p>{{ report.badge }}</p>\n{% for c in extra_columns %}{% endfor %}\n",
    })
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 0, result.output
    helpers = (project / "app" / "helpers.py").read_text()
    assert "def extra_columns():\n    return []\n" in helpers
    assert "    def badge(self):\n        return None\n" in helpers
    kept = "app/helpers.py: kept function 'extra_columns': templates/report.html:2 mentions it"
    assert kept in result.output
    assert "app/helpers.py: kept method 'badge': templates/report.html:1 mentions it" in result.output


MIXIN = """\
from functools import cached_property

from app.flags import flag_enabled


class ConfigMixin:
    @cached_property
    def quick_pay_enabled(self):
        return flag_enabled("new-checkout")

    def pay(self):
        return "quick" if self.quick_pay_enabled else "slow"
"""


def test_property_left_constant_is_inlined_in_other_mixins_and_deleted(run, project: Path) -> None:
    write_tree(project, {
        "app/config.py": MIXIN,
        "app/views.py": ("class ViewMixin:\n    def render(self):\n"
                         "        return {'quick': self.quick_pay_enabled}\n"),
    })
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 0, result.output
    assert (project / "app/config.py").read_text() == (
        'class ConfigMixin:\n    def pay(self):\n        return "quick"\n')
    assert (project / "app/views.py").read_text() == (
        "class ViewMixin:\n    def render(self):\n        return {'quick': True}\n")


def test_method_name_defined_twice_is_inlined_in_its_own_file_only(run, project: Path) -> None:
    other = "class Other:\n    @property\n    def quick_pay_enabled(self):\n        return False\n\n" \
            "    def render(self):\n        return self.quick_pay_enabled\n"
    write_tree(project, {"app/config.py": MIXIN, "app/other.py": other})
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 0, result.output
    assert (project / "app/other.py").read_text() == other
    assert 'return "quick"\n' in (project / "app/config.py").read_text()


def test_key_given_as_code_spelling_through_aliases(run, project: Path) -> None:
    registry = project / "flags.toml"
    registry.write_text(REGISTRY.replace('rolled_out = 2026-09-01\n',
                                         'rolled_out = 2026-09-01\naliases = ["Feature.NEW_CHECKOUT"]\n'))
    (project / "app" / "views.py").write_text(
        "from app.flags import flag_enabled\nfrom app.features import Feature\n\n\n"
        "def f():\n    return 1 if flag_enabled(Feature.NEW_CHECKOUT) else 2\n")
    assert run(project, "remove", "Feature.NEW_CHECKOUT").exit_code == 0
    assert "return 1\n" in (project / "app" / "views.py").read_text()


def test_archive_sets_the_date_and_keeps_the_file(run, project: Path) -> None:
    result = run(project, "remove", "new-checkout", "--archive", "--today", "2026-11-27")
    assert result.exit_code == 0, result.output
    assert (project / "flags.toml").read_text() == REGISTRY.replace(
        "rolled_out = 2026-09-01\n", "rolled_out = 2026-09-01\narchived = 2026-11-27\n")


def test_archive_is_not_done_when_a_site_is_left(run, project: Path) -> None:
    (project / "app" / "deco.py").write_text(
        'from waffle.decorators import waffle_flag\n\n\n@waffle_flag("old-banner")\ndef view():\n    pass\n')
    result = run(project, "remove", "old-banner", "--archive", "--call", "waffle_flag")
    assert result.exit_code == 1
    assert "decide by hand" in result.output
    assert "archived" not in (project / "flags.toml").read_text()


def test_fix_removes_every_settled_flag_in_one_pass(run, project: Path) -> None:
    result = run(project, "fix", "--today", "2026-11-27")
    assert result.exit_code == 0, result.output
    text = (project / "app" / "views.py").read_text()
    assert text == 'def checkout(cart):\n    return "new"\n\n\ndef banner():\n    return None\n'


def test_fix_only_expired(run, project: Path) -> None:
    assert run(project, "fix", "--only-expired", "--today", "2026-04-01").exit_code == 0
    text = (project / "app" / "views.py").read_text()
    assert 'if flag_enabled("new-checkout"):' in text
    assert "def banner():\n    return None\n" in text


def test_wrapper_functions_are_inlined_and_removed(run, project: Path) -> None:
    write_tree(project, {
        "app/helpers.py": ('"""Flag helpers."""\nfrom app.flags import flag_enabled\n\n\n'
                           "def new_checkout_enabled(request):\n"
                           '    """Whether the new checkout is on."""\n'
                           '    return flag_enabled("new-checkout")\n\n\n'
                           "def other_enabled(request):\n"
                           '    return flag_enabled("other")\n'),
        "app/views.py": ("from app.helpers import new_checkout_enabled, other_enabled\n\n\n"
                         "def checkout(request):\n"
                         "    if new_checkout_enabled(request):\n"
                         '        return "new"\n'
                         '    return "old"\n\n\n'
                         "def banner(request):\n"
                         "    return other_enabled(request)\n"),
    })
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 0, result.output
    assert (project / "app" / "views.py").read_text() == (
        "from app.helpers import other_enabled\n\n\n"
        'def checkout(request):\n    return "new"\n\n\n'
        "def banner(request):\n    return other_enabled(request)\n")
    assert (project / "app" / "helpers.py").read_text() == (
        '"""Flag helpers."""\nfrom app.flags import flag_enabled\n\n\n'
        'def other_enabled(request):\n    return flag_enabled("other")\n')


def test_wrapper_still_read_elsewhere_is_kept(run, project: Path) -> None:
    write_tree(project, {
        "app/helpers.py": ("from app.flags import flag_enabled\n\n\n"
                           "def new_checkout_enabled():\n"
                           '    return flag_enabled("new-checkout")\n'),
        "app/views.py": "from app.helpers import new_checkout_enabled\n\nCALLBACK = new_checkout_enabled\n",
    })
    assert run(project, "remove", "new-checkout").exit_code == 0
    assert "def new_checkout_enabled():\n    return True\n" in (project / "app" / "helpers.py").read_text()


def test_configured_test_overrides(run, project: Path) -> None:
    write_tree(project, {
        "pyproject.toml": '[tool.flagdebt]\noverrides = ["override_feature"]\n',
        "tests/test_checkout.py": ("from app.testing import override_feature\n\n\n"
                                   '@override_feature("new-checkout", active=True)\n'
                                   "def test_new():\n    assert True\n\n\n"
                                   '@override_feature("new-checkout", active=False)\n'
                                   "def test_old():\n    assert True\n"),
    })
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 0, result.output
    assert (project / "tests" / "test_checkout.py").read_text() == "def test_new():\n    assert True\n"


# ---------------------------------------------------------------- helpers the dead branch alone used

DEAD_HELPERS = """\
import json

from app.flags import flag_enabled
from app.signals import receiver


class ReportView:
    def get(self, rows):
        if flag_enabled("new-checkout"):
            return self._fast(rows)
        return self._slow(rows)

    def _fast(self, rows):
        return rows

    def _slow(self, rows):
        return [self._encode(row) for row in rows]

    def _encode(self, row):
        return json.dumps(row)

    @receiver("saved")
    def _on_saved(self):
        return self._slow([])

    def _kept_by_test(self):
        return 1

    def legacy(self):
        return 2


def render(rows):
    if flag_enabled("new-checkout"):
        return rows
    return _render_slowly(rows)


def _render_slowly(rows):
    return list(reversed(rows))
"""


def test_private_helpers_only_the_dead_branch_called_go_with_it(run, project: Path) -> None:
    write_tree(project, {"app/report.py": DEAD_HELPERS})
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 0, result.output
    text = (project / "app" / "report.py").read_text()
    assert "def _render_slowly" not in text and "def render(rows):\n    return rows\n" in text
    # `_slow` is still called by a method a decorator may register: it and `_encode` stay
    assert "def _slow" in text and "def _encode" in text and "import json" in text


def test_a_chain_of_private_helpers_goes_and_what_others_mention_stays(run, project: Path) -> None:
    source = DEAD_HELPERS.replace('    @receiver("saved")\n    def _on_saved(self):\n'
                                  '        return self._slow([])\n\n', "")
    source = source.replace("    def _kept_by_test(self):\n        return 1\n",
                            "    def _kept_by_test(self):\n        return self._slow([])\n")
    source = source.replace("        return self._fast(rows)\n        return self._slow(rows)\n",
                            "        return self._fast(rows)\n        return self._kept_by_test()\n")
    write_tree(project, {"app/report.py": source.replace("from app.signals import receiver\n", ""),
                         "tests/test_report.py": "def test_it(view):\n    view._kept_by_test()\n",
                         "templates/legacy.html": "{{ view.legacy }}\n"})
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 0, result.output
    text = (project / "app" / "report.py").read_text()
    assert "def _kept_by_test" in text  # a test calls it
    assert "def _slow" in text and "def legacy" in text  # still called / public


def test_a_chain_of_private_helpers_goes_round_by_round(run, project: Path) -> None:
    source = """\
import json

from app.flags import flag_enabled


class ReportView:
    def get(self, rows):
        if flag_enabled("new-checkout"):
            return rows
        return self._slow(rows)

    def _slow(self, rows):
        return [self._encode(row) for row in rows]

    def _encode(self, row):
        return json.dumps(row)
"""
    write_tree(project, {"app/report.py": source})
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 0, result.output
    assert (project / "app" / "report.py").read_text() == (
        "class ReportView:\n    def get(self, rows):\n        return rows\n")


def test_a_private_helper_a_template_mentions_is_kept_and_reported(run, project: Path) -> None:
    write_tree(project, {"app/report.py": "from app.flags import flag_enabled\n\n\n"
                         "def render(rows):\n    if flag_enabled('new-checkout'):\n        return rows\n"
                         "    return _render_slowly(rows)\n\n\n"
                         "def _render_slowly(rows):\n    return list(reversed(rows))\n",
                         "templates/page.html": "{% include '_render_slowly' %}\n"})
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 0, result.output
    assert "def _render_slowly" in (project / "app" / "report.py").read_text()
    assert "kept function '_render_slowly': templates/page.html:1 mentions it" in result.output


def test_a_private_literal_constant_only_the_dead_branch_read_goes(run, project: Path) -> None:
    source = """\
from app.flags import flag_enabled
from app.limits import compute

_SLOW_LIMIT = 10  # rows per page before the new checkout
_SLOW_NAMES: tuple[str, ...] = ("a", "b")
_COMPUTED = compute()
_SHARED = 5
PUBLIC_LIMIT = 20


def page_size():
    if flag_enabled("new-checkout"):
        return _SHARED
    return max(_SLOW_LIMIT, len(_SLOW_NAMES), _COMPUTED, PUBLIC_LIMIT)
"""
    write_tree(project, {"app/pages.py": source})
    result = run(project, "remove", "new-checkout")
    assert result.exit_code == 0, result.output
    assert (project / "app" / "pages.py").read_text() == """\
from app.limits import compute

_COMPUTED = compute()
_SHARED = 5
PUBLIC_LIMIT = 20


def page_size():
    return _SHARED
"""
