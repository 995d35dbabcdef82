"""SDK presets as data: each library's reads, overrides, template tags and script calls.

The single flag-call matcher (`flagcall`) reads the `CallPattern`s these produce; nothing
else in flagdebt knows a preset by name. `where` names the real function or method a read
stands for (`module:Class` or `module`), so a test can hold every entry to the SDK's signature.
"""

from __future__ import annotations

from dataclasses import dataclass

from flagdebt.model import CallPattern, FlagdebtError


@dataclass(frozen=True, slots=True)
class Read:
    """One way a library reads a flag in Python.

    `arg`/`keyword`: where the key is; `where`: the SDK object that defines `name`;
    `traced`: the receiver must trace to the preset's modules (generic names);
    `objects`: `name` is a method of flag objects built by these constructors;
    `mixins`: `name` is a class attribute of views with one of these bases;
    `negatable`: a leading `!` in the key inverts it.
    """

    name: str
    arg: int
    keyword: str
    where: str
    traced: bool = True
    objects: tuple[str, ...] = ()
    mixins: tuple[str, ...] = ()
    negatable: bool = False
    boolean: bool = True
    default: int | None = None


@dataclass(frozen=True, slots=True)
class Preset:
    """A library: how a project depends on it, and every form of flag read it offers.

    `packages`: distribution names (`init` looks for them in the dependencies);
    `modules`: import names (a receiver that traces to one of them is the SDK's);
    `tags`: Django block tags `{% tag "key" %}…{% endtag %}` from `{% load <library> %}`;
    `jinja`: Jinja functions called with the key; `scripts`: JavaScript calls with the key
    first (`recv.method` needs that receiver; a bare `method` takes any).
    """

    name: str
    packages: tuple[str, ...]
    modules: tuple[str, ...]
    reads: tuple[Read, ...]
    overrides: tuple[Read, ...] = ()
    tags: tuple[str, ...] = ()
    other_tags: tuple[str, ...] = ()  # the library's tags that read no flag
    library: str = ""
    jinja: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()

    @property
    def calls(self) -> tuple[CallPattern, ...]:
        return tuple(self._pattern(read) for read in self.reads)

    @property
    def override_calls(self) -> tuple[CallPattern, ...]:
        return tuple(self._pattern(read) for read in self.overrides)

    def _pattern(self, read: Read) -> CallPattern:
        return CallPattern((read.name,), read.arg, (read.keyword,),
                           sdk=self.modules if read.traced else (), objects=read.objects,
                           mixins=read.mixins, negatable=read.negatable,
                           boolean=read.boolean, default=read.default)


def _same(names: tuple[str, ...], arg: int, keyword: str, where: str, boolean: bool = True,
          default: int | None = None) -> tuple[Read, ...]:
    return tuple(Read(name, arg, keyword, where, boolean=boolean, default=default)
                 for name in names)


WAFFLE = Preset(
    "django-waffle", ("django-waffle",), ("waffle",),
    reads=(
        Read("flag_is_active", 1, "flag_name", "waffle", traced=False),
        Read("switch_is_active", 0, "switch_name", "waffle", traced=False),
        Read("sample_is_active", 0, "sample_name", "waffle", traced=False),
        Read("waffle_flag", 0, "flag_name", "waffle.decorators", traced=False, negatable=True),
        Read("waffle_switch", 0, "switch_name", "waffle.decorators", traced=False,
             negatable=True),
        Read("waffle_flag", 0, "waffle_flag", "waffle.mixins:WaffleFlagMixin", traced=False,
             mixins=("WaffleFlagMixin",), negatable=True),
        Read("waffle_switch", 0, "waffle_switch", "waffle.mixins:WaffleSwitchMixin",
             traced=False, mixins=("WaffleSwitchMixin",), negatable=True),
        Read("waffle_sample", 0, "waffle_sample", "waffle.mixins:WaffleSampleMixin",
             traced=False, mixins=("WaffleSampleMixin",), negatable=True),
    ),
    overrides=(
        Read("override_flag", 0, "name", "waffle.testutils", traced=False),
        Read("override_switch", 0, "name", "waffle.testutils", traced=False),
        Read("override_sample", 0, "name", "waffle.testutils", traced=False),
    ),
    tags=("flag", "switch", "sample"),
    other_tags=("wafflejs",),
    library="waffle_tags",
    jinja=("waffle.flag", "waffle.switch", "waffle.sample"),
    scripts=("waffle.flag_is_active", "waffle.switch_is_active", "waffle.sample_is_active"),
)

# CourseWaffleFlag and ExperimentWaffleFlag are edx-platform's, with WaffleFlag's signature.
EDX_OBJECTS = ("WaffleFlag", "WaffleSwitch", "SettingToggle", "CourseWaffleFlag",
               "ExperimentWaffleFlag")
EDX_TOGGLES = Preset(
    "edx-toggles", ("edx-toggles",), ("edx_toggles",),
    reads=(Read("is_enabled", 0, "name", "edx_toggles.toggles:WaffleFlag", traced=False,
                objects=EDX_OBJECTS),),
    overrides=(Read("override_waffle_flag", 0, "flag", "edx_toggles.toggles.testutils",
                    traced=False),
               Read("override_waffle_switch", 0, "switch", "edx_toggles.toggles.testutils",
                    traced=False)),
)

OPENFEATURE_TYPES = ("boolean", "string", "integer", "float", "object")
OPENFEATURE = Preset(
    "openfeature", ("openfeature-sdk",), ("openfeature", "OpenFeatureAPI"),
    reads=(Read("get_boolean_value", 0, "flag_key", "openfeature.client:OpenFeatureClient"),
           *_same(tuple(f"get_{kind}_value" for kind in OPENFEATURE_TYPES[1:])
                  + tuple(f"get_{kind}_details" for kind in OPENFEATURE_TYPES),
                  0, "flag_key", "openfeature.client:OpenFeatureClient", boolean=False)),
    scripts=("getBooleanValue", "getStringValue", "getNumberValue", "getObjectValue",
             "getBooleanDetails", "getStringDetails", "getNumberDetails", "getObjectDetails",
             "useBooleanFlagValue", "useStringFlagValue", "useNumberFlagValue"),
)

LAUNCHDARKLY = Preset(
    "launchdarkly", ("launchdarkly-server-sdk", "ldclient-py"), ("ldclient",),
    reads=(Read("variation", 0, "key", "ldclient.client:LDClient", default=2),
           *_same(("variation_detail", "migration_variation"), 0, "key",
                  "ldclient.client:LDClient", boolean=False)),
    scripts=("ldClient.variation", "ldclient.variation", "ldClient.variationDetail",
             "boolVariation", "stringVariation", "numberVariation", "jsonVariation"),
)

UNLEASH = Preset(
    "unleash", ("UnleashClient",), ("UnleashClient",),
    reads=(Read("is_enabled", 0, "feature_name", "UnleashClient:UnleashClient"),
           Read("get_variant", 0, "feature_name", "UnleashClient:UnleashClient", boolean=False)),
    scripts=("unleash.isEnabled", "unleash.getVariant", "useFlag", "useVariant"),
)

FLAGSMITH = Preset(
    "flagsmith", ("flagsmith",), ("flagsmith",),
    reads=(Read("is_feature_enabled", 0, "feature_name", "flagsmith.models:Flags"),
           Read("get_feature_value", 0, "feature_name", "flagsmith.models:Flags",
                boolean=False)),
    scripts=("flagsmith.hasFeature", "flagsmith.getValue"),
)

GROWTHBOOK = Preset(
    "growthbook", ("growthbook",), ("growthbook",),
    reads=(*_same(("is_on",), 0, "key", "growthbook:GrowthBook"),
           Read("get_feature_value", 0, "key", "growthbook:GrowthBook", default=1),
           *_same(("is_off", "eval_feature"), 0, "key", "growthbook:GrowthBook",
                  boolean=False)),
    scripts=("gb.isOn", "gb.isOff", "growthbook.isOn", "growthbook.isOff",
             "growthbook.getFeatureValue", "useFeatureIsOn", "useFeatureValue"),
)

POSTHOG = Preset(
    "posthog", ("posthog",), ("posthog",),
    reads=(Read("feature_enabled", 0, "key", "posthog:Posthog"),
           *_same(("get_feature_flag", "get_feature_flag_payload"), 0, "key", "posthog:Posthog",
                  boolean=False)),
    scripts=("posthog.isFeatureEnabled", "posthog.getFeatureFlag",
             "posthog.getFeatureFlagPayload", "useFeatureFlagEnabled", "useFeatureFlagPayload",
             "useFeatureFlagVariantKey"),
)

STATSIG = Preset(
    "statsig", ("statsig",), ("statsig",),
    reads=(Read("check_gate", 1, "gate", "statsig.statsig"),
           Read("get_config", 1, "config", "statsig.statsig", boolean=False),
           Read("get_experiment", 1, "experiment", "statsig.statsig", boolean=False)),
    scripts=("statsig.checkGate", "Statsig.checkGate", "useGate", "useFeatureGate",
             "useExperiment"),
)

CONFIGCAT = Preset(
    "configcat", ("configcat-client",), ("configcatclient",),
    reads=(Read("get_value", 0, "key", "configcatclient.configcatclient:ConfigCatClient",
                default=1),
           Read("get_value_details", 0, "key", "configcatclient.configcatclient:ConfigCatClient",
                boolean=False)),
    scripts=("getValueAsync", "getValueDetailsAsync"),
)

PRESETS: dict[str, Preset] = {preset.name: preset for preset in (
    WAFFLE, EDX_TOGGLES, OPENFEATURE, LAUNCHDARKLY, UNLEASH, FLAGSMITH, GROWTHBOOK, POSTHOG,
    STATSIG, CONFIGCAT)}


def get_preset(name: str) -> Preset:
    """The preset called `name`; a FlagdebtError lists the known ones."""
    preset = PRESETS.get(name.strip())
    if preset is None:
        known = ", ".join(PRESETS)
        raise FlagdebtError(f"unknown preset '{name}' (known: {known})")
    return preset


def preset_calls(names: tuple[str, ...]) -> tuple[CallPattern, ...]:
    """Every Python read pattern of the named presets, without duplicates."""
    return tuple(dict.fromkeys(p for name in names for p in get_preset(name).calls))


def preset_overrides(names: tuple[str, ...]) -> tuple[CallPattern, ...]:
    """Every test-override pattern of the named presets."""
    return tuple(dict.fromkeys(p for name in names for p in get_preset(name).override_calls))
