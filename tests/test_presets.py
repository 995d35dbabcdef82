"""Each preset's hits and near-misses, on both engines, and its names against the real SDKs."""

from __future__ import annotations

import importlib
import inspect
import textwrap

import pytest

from flagdebt import astscan, cstscan
from flagdebt.config import parse_call_pattern
from flagdebt.model import FlagdebtError
from flagdebt.presets import PRESETS, get_preset, preset_calls
from flagdebt.sites import call_sites

ENGINES = pytest.mark.parametrize("engine", [astscan, cstscan], ids=["ast", "libcst"])


def keys(engine, preset: str, source: str, lookup=lambda name: None) -> list[tuple[int, str | None]]:
    scan = engine.scan_source(textwrap.dedent(source), "m.py", preset_calls((preset,)), "m")
    return [(site.line, site.key) for site in call_sites(scan, lookup)]


# (preset, source, expected (line, key) pairs)
HITS = {
    "waffle-functions": ("django-waffle", """\
        import waffle
        from waffle import flag_is_active, switch_is_active
        a = flag_is_active(request, "new-nav")
        b = waffle.switch_is_active("maintenance")
        c = waffle.sample_is_active(sample_name="beta-sample")
        """, [(3, "new-nav"), (4, "maintenance"), (5, "beta-sample")]),
    "waffle-decorators": ("django-waffle", """\
        from waffle.decorators import waffle_flag, waffle_switch
        @waffle_flag("!legacy-page")
        def old(request): ...
        @waffle_switch("exports")
        def export(request): ...
        """, [(2, "legacy-page"), (4, "exports")]),
    "waffle-mixins": ("django-waffle", """\
        from waffle.mixins import WaffleFlagMixin, WaffleSwitchMixin
        class Report(WaffleFlagMixin, View):
            waffle_flag = "reports"
        class Export(WaffleSwitchMixin, View):
            waffle_switch = "exports"
        """, [(3, "reports"), (5, "exports")]),
    "edx-objects": ("edx-toggles", """\
        from edx_toggles.toggles import WaffleFlag, SettingToggle
        NAMESPACE = "learning"
        OUTLINE = WaffleFlag(f"{NAMESPACE}.outline", __name__)
        EMAILS = SettingToggle("ENABLE_EMAILS", default=False)
        def view(course_key):
            return OUTLINE.is_enabled(course_key) or EMAILS.is_enabled()
        """, [(6, "learning.outline"), (6, "ENABLE_EMAILS")]),
    "openfeature-client": ("openfeature", """\
        from openfeature import api
        client = api.get_client()
        on = client.get_boolean_value("dark-mode", False)
        color = client.get_string_value(flag_key="button-color", default_value="red")
        details = api.get_client().get_integer_details("limit", 10)
        """, [(3, "dark-mode"), (4, "button-color"), (5, "limit")]),
    "openfeature-java-style": ("openfeature", """\
        client = OpenFeatureAPI.get_client()
        on = client.get_float_value("ratio", 0.5)
        """, [(2, "ratio")]),
    "launchdarkly": ("launchdarkly", """\
        import ldclient
        client = ldclient.get()
        a = client.variation("new-search", context, False)
        b = ldclient.get().variation_detail("ranking", context, "v1")
        """, [(3, "new-search"), (4, "ranking")]),
    "launchdarkly-attribute": ("launchdarkly", """\
        from ldclient import LDClient
        class Flags:
            def __init__(self, config):
                self.ld = LDClient(config)
            def on(self, context):
                return self.ld.variation("beta", context, False)
        """, [(6, "beta")]),
    "unleash": ("unleash", """\
        from UnleashClient import UnleashClient
        unleash = UnleashClient(url="u", app_name="a")
        a = unleash.is_enabled("checkout-v2")
        b = unleash.get_variant(feature_name="colors")
        """, [(3, "checkout-v2"), (4, "colors")]),
    "flagsmith": ("flagsmith", """\
        from flagsmith import Flagsmith
        flagsmith = Flagsmith(environment_key="k")
        flags = flagsmith.get_environment_flags()
        a = flags.is_feature_enabled("secret-button")
        b = flags.get_feature_value(feature_name="banner-text")
        """, [(4, "secret-button"), (5, "banner-text")]),
    "growthbook": ("growthbook", """\
        from growthbook import GrowthBook
        gb = GrowthBook(api_host="h", client_key="k")
        if gb.is_on("onboarding"):
            size = gb.get_feature_value("page-size", 10)
        """, [(3, "onboarding"), (4, "page-size")]),
    "posthog-module": ("posthog", """\
        import posthog
        if posthog.feature_enabled("new-pricing", user_id):
            plan = posthog.get_feature_flag("plan-test", user_id)
        """, [(2, "new-pricing"), (3, "plan-test")]),
    "posthog-client": ("posthog", """\
        from posthog import Posthog
        ph = Posthog("key", host="h")
        payload = ph.get_feature_flag_payload("promo", "user")
        """, [(3, "promo")]),
    "statsig": ("statsig", """\
        from statsig import statsig
        if statsig.check_gate(user, "new-editor"):
            config = statsig.get_config(user, "editor-config")
            exp = statsig.get_experiment(user, experiment="layout")
        """, [(2, "new-editor"), (3, "editor-config"), (4, "layout")]),
    "configcat": ("configcat", """\
        import configcatclient
        client = configcatclient.get("sdk-key")
        on = client.get_value("isAwesomeFeatureEnabled", False)
        """, [(3, "isAwesomeFeatureEnabled")]),
}

MISSES = {
    "waffle-mixin-attribute-elsewhere": ("django-waffle", """\
        class Settings:
            waffle_flag = "not-a-view"
        """),
    "edx-method-on-other-object": ("edx-toggles", """\
        from edx_toggles.toggles import WaffleFlag
        def view(user, course):
            return user.is_enabled() or course.is_enabled()
        """),
    "edx-object-never-defined": ("edx-toggles", """\
        from app.models import Plan
        PLAN = Plan("gold")
        PLAN.is_enabled()
        """),
    "openfeature-lookalike": ("openfeature", """\
        from app.settings import client
        on = client.get_boolean_value("DEBUG", False)
        """),
    "launchdarkly-without-sdk": ("launchdarkly", """\
        from app.pricing import catalog
        price = catalog.variation("sku-1", region, 0)
        def pick(product):
            return product.variation("red")
        """),
    "unleash-lookalike": ("unleash", """\
        from app.models import PlanFeature
        if PlanFeature.objects.is_enabled(project, "X"):
            pass
        """),
    "flagsmith-lookalike": ("flagsmith", """\
        def features(flags):
            return flags.is_feature_enabled("x")
        """),
    "growthbook-lookalike": ("growthbook", """\
        light = switch.is_on("kitchen")
        """),
    "posthog-lookalike": ("posthog", """\
        from app import analytics
        analytics.feature_enabled("x", user)
        """),
    "statsig-lookalike": ("statsig", """\
        gate = security.check_gate(user, "front-door")
        """),
    "configcat-lookalike": ("configcat", """\
        from django.conf import settings
        value = settings.get_value("DEBUG", False)
        cache.get_value("key", None)
        """),
}


@ENGINES
@pytest.mark.parametrize(("preset", "source", "expected"), HITS.values(), ids=HITS.keys())
def test_preset_finds_its_reads(engine, preset: str, source: str, expected) -> None:
    assert keys(engine, preset, source) == expected


@ENGINES
@pytest.mark.parametrize(("preset", "source"), MISSES.values(), ids=MISSES.keys())
def test_preset_ignores_look_alikes(engine, preset: str, source: str) -> None:
    assert keys(engine, preset, source) == []


@ENGINES
def test_flag_object_read_across_modules(engine) -> None:
    source = """\
        from app.toggles import NEW_UI
        from app import toggles
        a = NEW_UI.is_enabled()
        b = toggles.NEW_UI.is_enabled(course_key)
        """
    known = {"app.toggles.NEW_UI": "ns.new_ui"}
    assert keys(engine, "edx-toggles", source, known.get) == [(3, "ns.new_ui"), (4, "ns.new_ui")]


@ENGINES
@pytest.mark.parametrize(("source", "expected"), [
    ("project.has_feature(x)", [1]),
    ("self.project.has_feature(x)", [1]),
    ("PlanFeature.objects.has_feature(project, x)", []),
    ("has_feature(x)", []),
], ids=["receiver", "attribute-receiver", "other-receiver", "bare"])
def test_receiver_qualified_user_pattern(engine, source: str, expected: list[int]) -> None:
    scan = engine.scan_source(source + "\n", "m.py", (parse_call_pattern("project.has_feature:0"),))
    assert [site.line for site in scan.sites] == expected


def test_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(FlagdebtError, match="unknown preset 'waffle'.*django-waffle"):
        get_preset("waffle")


def _defined(where: str, name: str):
    module_name, _, attribute = where.partition(":")
    if module_name.startswith(("waffle", "edx_toggles")):
        pytest.importorskip("django")
        from django.conf import settings

        if not settings.configured:
            import django

            settings.configure(INSTALLED_APPS=["django.contrib.contenttypes",
                                               "django.contrib.auth", "waffle"])
            django.setup()
    module = importlib.import_module(module_name)
    owner = getattr(module, attribute) if attribute else module
    return owner, getattr(owner, name, None)


SIGNATURES = [(preset.name, read) for preset in PRESETS.values()
              for read in (*preset.reads, *preset.overrides)]


@pytest.mark.parametrize(("preset", "read"), SIGNATURES,
                         ids=[f"{name}-{read.name}-{read.where}" for name, read in SIGNATURES])
def test_preset_matches_the_sdk_signature(preset: str, read) -> None:
    owner, member = _defined(read.where, read.name)
    if read.mixins:  # a class attribute of the mixin, not a method
        assert read.name in getattr(owner, "__annotations__", {}) or hasattr(owner, read.name)
        return
    assert member is not None, f"{read.where} has no {read.name}"
    if inspect.isclass(member):  # a test override class: the key is its __init__'s
        member = member.__init__
    parameters = [p for p in inspect.signature(member).parameters.values() if p.name != "self"]
    if read.objects:  # the key is the constructors' argument (those this package defines)
        module = importlib.import_module(read.where.partition(":")[0])
        classes = [getattr(module, name) for name in read.objects if hasattr(module, name)]
        assert owner in classes
        for cls in classes:
            assert list(inspect.signature(cls).parameters)[read.arg] == read.keyword, cls
        return
    assert parameters[read.arg].name == read.keyword
    if read.default is not None:  # boolean when the default value given is True or False
        assert parameters[read.default].name in ("default", "default_value", "fallback")


def _config(tmp_path, body: str):
    from flagdebt.config import load_config

    (tmp_path / "pyproject.toml").write_text("[tool.flagdebt]\n" + textwrap.dedent(body))
    return load_config(tmp_path)


def test_config_presets_add_their_calls_and_overrides(tmp_path) -> None:
    config = _config(tmp_path, 'presets = ["django-waffle"]\n')
    assert config.presets == ("django-waffle",)
    names = {pattern.name[-1] for pattern in config.calls}
    assert {"flag_enabled", "flag_is_active", "waffle_switch"} <= names
    assert {p.name[-1] for p in config.overrides} >= {"override_flag", "override_switch"}


def test_config_objects_define_flag_object_reads(tmp_path) -> None:
    config = _config(tmp_path, 'objects = ["Toggle:0:is_on,is_active"]\n')
    objects = [p for p in config.calls if p.objects]
    assert [(p.name, p.objects) for p in objects] == [(("is_on",), ("Toggle",)),
                                                      (("is_active",), ("Toggle",))]


@pytest.mark.parametrize(("body", "message"), [
    ('presets = ["waffle"]', r"pyproject.toml:2: \[tool.flagdebt\] 'presets\[0\]': unknown preset 'waffle'"),
    ('objects = ["Toggle:is_on"]', r"'objects\[0\]': invalid flag-object pattern 'Toggle:is_on'"),
    ("presets = \"django-waffle\"", r"'presets': must be a list of preset names"),
], ids=["unknown-preset", "bad-object", "not-a-list"])
def test_config_errors_name_the_line_and_key(tmp_path, body: str, message: str) -> None:
    with pytest.raises(FlagdebtError, match=message):
        _config(tmp_path, body + "\n")


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_prefilter_needles_cover_every_trigger_word(preset: str) -> None:
    from flagdebt.flagcall import needles, trigger_names

    words = [name.encode() for name in trigger_names(preset_calls((preset,)))]
    found = needles(words)
    assert all(any(needle in word for needle in found) for word in words)
    assert len(found) <= len(words)
    assert needles([b"flag_enabled"]) == (b"flag_enabled",)
