"""What a flag call is: pattern matching and key resolution shared by the ast and libcst engines.

The engines only translate their syntax trees into the small neutral values below
(dotted callee names, `KeyExpr`, `FileSymbols`); every decision about whether a call
reads a flag and which key it reads is made here, once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from flagdebt.model import CallPattern, missing_key_spelling

T = TypeVar("T")
SELF_NAMES = frozenset({"self", "cls"})
NOT_A_NAME = "()"  # stands for a callee root that is not a plain name, e.g. `get()` in `get().x`


@dataclass(frozen=True, slots=True)
class KeyExpr:
    """A key argument as the engines see it.

    kind `str`: a string literal (`text` is its value); `ref`: a dotted name
    (`text` is `Feature.NEW_CHECKOUT`); `join`: concatenation or f-string of `parts`;
    `dynamic`: a runtime value (`text` is its source).
    """

    kind: Literal["str", "ref", "join", "dynamic"]
    text: str
    parts: tuple[KeyExpr, ...] = ()
    origin: str = ""  # for a `ref` whose root a function or class body imported: what it names
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Resolved:
    """A key argument after resolution: the key (None when unknown) and its spelling."""

    key: str | None
    spelling: str
    dynamic: bool = False
    negated: bool = False


@dataclass
class FileSymbols:
    """Module-level string constants, class attributes and imports of one file.

    `clients`: dotted names (`client`, `self.ld`) assigned an SDK client in the file.
    """

    constants: dict[str, str] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)
    clients: set[str] = field(default_factory=set)


Lookup = Callable[[str], "str | None"]


def _no_lookup(qualified: str) -> str | None:
    return None


def qualify(parts: tuple[str, ...], imports: Mapping[str, str]) -> tuple[str, ...]:
    """Replace the first part of a dotted name by what it was imported as."""
    target = imports.get(parts[0])
    if target is None:
        return parts
    return tuple(target.split(".")) + parts[1:]


def match_callee(parts: tuple[str, ...], patterns: Sequence[CallPattern],
                 imports: Mapping[str, str]) -> CallPattern | None:
    """The first pattern whose name is the trailing part of the callee, as written or imported."""
    if not parts:
        return None
    qualified = qualify(parts, imports)
    for pattern in patterns:
        size = len(pattern.name)
        if parts[-size:] == pattern.name or qualified[-size:] == pattern.name:
            return pattern
    return None


def callee_parts(chain: tuple[str, ...]) -> tuple[str, ...]:
    """The dotted callee of a call chain: `a.get().b.c` -> ("()", "b", "c")."""
    if NOT_A_NAME not in chain:
        return chain
    cut = len(chain) - 1 - chain[::-1].index(NOT_A_NAME)
    return chain[cut:]


def match_call(chain: tuple[str, ...], patterns: Sequence[CallPattern], symbols: FileSymbols,
               imports: Mapping[str, str] | None = None) -> CallPattern | None:
    """The first pattern a call matches; `chain` is its callee with calls as "()".

    `a.get().b.c` is ("a", "get", "()", "b", "c"). `imports`: those the call sees (default:
    the module's). A preset pattern (`sdk` set) matches only when the receiver traces to its
    SDK; a flag-object read needs a named receiver.
    """
    parts = callee_parts(chain)
    if not parts:
        return None
    imports = symbols.imports if imports is None else imports
    qualified = qualify(parts, imports)
    for pattern in patterns:
        size = len(pattern.name)
        if pattern.mixins or (parts[-size:] != pattern.name and qualified[-size:] != pattern.name):
            continue
        if pattern.sdk and not traced(chain, pattern.sdk, symbols, imports):
            continue
        if pattern.objects and (len(parts) < 2 or parts[0] in (NOT_A_NAME, *SELF_NAMES)):
            continue
        return pattern
    return None


def _under(dotted: str, prefixes: Iterable[str]) -> bool:
    return any(dotted == prefix or dotted.startswith(prefix + ".") for prefix in prefixes)


def traced(chain: tuple[str, ...], sdk: Sequence[str], symbols: FileSymbols,
           imports: Mapping[str, str] | None = None) -> bool:
    """Whether a callee chain leads to an SDK: imported from it, called on a client made
    from it, or called on a name the file did not import from elsewhere in a file that
    imports the SDK."""
    if not chain or chain[0] == NOT_A_NAME:
        return False
    imports = symbols.imports if imports is None else imports
    if _under(".".join(qualify(chain, imports)), sdk):
        return True
    receiver = chain[:-1]
    if not receiver:
        return False
    if any(".".join(receiver[:size]) in symbols.clients for size in range(1, len(receiver) + 1)):
        return True
    imports_sdk = any(_under(target, sdk) for target in imports.values())
    return imports_sdk and (receiver[0] in SELF_NAMES or receiver[0] not in imports)


def note_client(target: tuple[str, ...], value: tuple[str, ...],
                patterns: Sequence[CallPattern], symbols: FileSymbols) -> None:
    """Remember `target` as an SDK client when it is assigned a call (`value`, a chain
    ending in "()") that traces to one of the patterns' SDKs."""
    if not target or NOT_A_NAME in target or not value or value[-1] != NOT_A_NAME:
        return
    for sdk in {pattern.sdk for pattern in patterns if pattern.sdk}:
        if traced(value, sdk, symbols) or ".".join(value[:-1]) in symbols.clients:
            symbols.clients.add(".".join(target))
            return


def object_key(parts: tuple[str, ...], origin: str | None) -> KeyExpr | None:
    """The key of a flag-object read (`toggles.NEW_UI.is_enabled`): its receiver, by name;
    None when the receiver is a runtime value (`origin`: what `binding` says of its root)."""
    if origin == RUNTIME:
        return None
    return KeyExpr("ref", ".".join(parts[:-1]), origin=origin or "")


def pattern_key(pattern: CallPattern, key: KeyExpr) -> KeyExpr:
    """A key as the pattern reads it: a negatable pattern's `!name` is `name`, negated."""
    if pattern.negatable and key.kind == "str" and key.text.startswith("!"):
        return KeyExpr("str", key.text[1:], negated=True)
    return key


def attribute_patterns(bases: Iterable[tuple[str, ...]], patterns: Sequence[CallPattern]
                       ) -> dict[str, CallPattern]:
    """Class attributes that hold a key in a class with these bases, by attribute name."""
    names = {base[-1] for base in bases if base}
    return {pattern.name[-1]: pattern for pattern in patterns
            if pattern.mixins and names.intersection(pattern.mixins)}


def trigger_names(patterns: Sequence[CallPattern]) -> frozenset[str]:
    """The words a file must contain to hold a flag read: the patterns' last names, their
    flag-object constructors and SDK roots (lines that create clients and objects)."""
    names = {pattern.name[-1] for pattern in patterns}
    names.update(name.split(".")[-1] for pattern in patterns for name in pattern.objects)
    names.update(name.split(".")[0] for pattern in patterns for name in pattern.sdk)
    return frozenset(names)


def needles(words: Iterable[bytes], shortest: int = 5) -> tuple[bytes, ...]:
    """Few byte strings such that each word contains one of them (a greedy set cover).

    Searching a file for each of many trigger words costs one pass per word; a file without
    any of these few cannot hold a word, and only the files that hold one are searched for
    the words themselves. Two preset words sharing `_is_active` cost one pass, not two.
    """
    remaining = set(words)
    chosen: list[bytes] = []
    while remaining:
        counts: dict[bytes, int] = {}
        for word in remaining:
            parts = {word[i:j] for i in range(len(word))
                     for j in range(i + shortest, len(word) + 1)} or {word}
            for part in parts:
                counts[part] = counts.get(part, 0) + 1
        best = max(sorted(counts), key=lambda part: (counts[part], len(part)))
        chosen.append(best)
        remaining = {word for word in remaining if best not in word}
    return tuple(chosen)


def missing_key(pattern: CallPattern) -> KeyExpr:
    """The key of a call that lacks the argument its pattern reads the key from."""
    return KeyExpr("dynamic", missing_key_spelling(pattern.arg))


def shared_parts(words: Iterable[bytes], shortest: int = 5, longest: int = 24) -> tuple[bytes, ...]:
    """Byte strings such that each word contains one of them, for thousands of words.

    `needles` is a careful cover for a few trigger names; this one is quick: each word is
    stood for by its prefix or suffix that most other words share (`flag-` for `flag-001`
    ... `flag-300`), or by itself when it shares none. A file without any of these cannot
    hold a word, so one pass per shared part replaces one pass per word.
    """
    unique = set(words)
    parts_of: dict[bytes, set[bytes]] = {}
    counts: Counter[bytes] = Counter()
    for word in unique:
        sizes = range(shortest, min(len(word), longest) + 1)
        parts = {word[:size] for size in sizes} | {word[-size:] for size in sizes}
        parts_of[word] = parts
        counts.update(parts)
    chosen: dict[bytes, None] = {}
    for word in sorted(unique):
        best = max(sorted(parts_of[word]), key=lambda part: (counts[part], len(part)), default=word)
        chosen[best if counts[best] > 1 else word] = None
    return tuple(chosen)


def key_argument(pattern: CallPattern, positional: Sequence[T],
                 keywords: Mapping[str, T]) -> T | None:
    """The argument that holds the key: by position or by one of the pattern's keywords."""
    if isinstance(pattern.arg, str):
        return keywords.get(pattern.arg)
    if pattern.arg < len(positional):
        return positional[pattern.arg]
    for name in pattern.keywords:
        if name in keywords:
            return keywords[name]
    return None


@dataclass(frozen=True)
class Scope:
    """A function or class body: the names it binds at run time and those it binds by import."""

    names: frozenset[str] = frozenset()
    imports: Mapping[str, str] = field(default_factory=dict)
    is_class: bool = False


RUNTIME = "()"  # what `binding` returns for a runtime value


def binding(name: str, bound: Iterable[frozenset[str]], scopes: Sequence[Scope]) -> str | None:
    """What a name refers to inside nested scopes (innermost last).

    RUNTIME for self/cls, a lambda or comprehension variable, a parameter or a local; the
    imported name for a function-local or class-body import; None for a module-level name.
    A class body's names are seen only by the class body itself, as in Python.
    """
    if name in SELF_NAMES or any(name in names for names in bound):
        return RUNTIME
    for depth, scope in enumerate(reversed(scopes)):
        if scope.is_class and depth:
            continue
        if name in scope.names:
            return RUNTIME
        if name in scope.imports:
            return scope.imports[name]
    return None


def visible_imports(module: Mapping[str, str], scopes: Sequence[Scope]) -> Mapping[str, str]:
    """Module imports with those of the enclosing scopes on top (class bodies: innermost only)."""
    outer = [s.imports for depth, s in reversed(list(enumerate(reversed(scopes))))
             if s.imports and not (s.is_class and depth)]
    if not outer:
        return module
    merged = dict(module)
    for imports in outer:
        merged.update(imports)
    return merged


def resolve(expr: KeyExpr, symbols: FileSymbols, lookup: Lookup = _no_lookup) -> Resolved:
    """Resolve a key expression to its string key where the code allows it."""
    if expr.kind == "str":
        return Resolved(expr.text, expr.text, negated=expr.negated)
    if expr.kind == "ref":
        return Resolved(_resolve_ref(expr.text, symbols, lookup, expr.origin), expr.text)
    if expr.kind == "join":
        values = [resolve(part, symbols, lookup).key for part in expr.parts]
        if all(value is not None for value in values):
            joined = "".join(value for value in values if value is not None)
            return Resolved(joined, joined)
    return Resolved(None, expr.text, dynamic=True)


def _resolve_ref(dotted: str, symbols: FileSymbols, lookup: Lookup, origin: str) -> str | None:
    """`origin`: what the root name was imported as inside a function or class body."""
    if dotted.endswith(".value"):
        return _resolve_ref(dotted[: -len(".value")], symbols, lookup, origin)
    parts = tuple(dotted.split("."))
    if origin:
        return lookup(".".join(qualify(parts, {parts[0]: origin})))
    if dotted in symbols.constants:
        return symbols.constants[dotted]
    if parts[0] in symbols.imports:
        return lookup(".".join(qualify(parts, symbols.imports)))
    return star_lookup(dotted, symbols.imports, lookup)


def absolute_module(level: int, module: str | None, current: str, is_package: bool) -> str:
    """The absolute name of `from <dots><module> import ...` written in module `current`."""
    if level == 0:
        return module or ""
    base = current.split(".") if current else []
    if not is_package and base:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, module] if module else base)


def import_bindings(level: int, module: str | None, names: Sequence[tuple[str, str | None]],
                    current: str, is_package: bool) -> dict[str, str]:
    """What each local name of a `from ... import` statement refers to."""
    source = absolute_module(level, module, current, is_package)
    bound: dict[str, str] = {}
    for name, asname in names:
        if name == "*":
            bound[STAR + source] = source  # looked in by `star_lookup` for names it may bind
        else:
            bound[asname or name] = f"{source}.{name}" if source else name
    return bound


STAR = "*"


def star_lookup(dotted: str, imports: Mapping[str, str], lookup: Lookup) -> str | None:
    """The value of a name that a `from module import *` may have bound."""
    for name, source in imports.items():
        if name.startswith(STAR) and source:
            found = lookup(f"{source}.{dotted}")
            if found is not None:
                return found
    return None


def plain_import_bindings(names: Sequence[tuple[str, str | None]]) -> dict[str, str]:
    """What each local name of an `import a.b as c` statement refers to."""
    return {asname or name.split(".")[0]: name if asname else name.split(".")[0]
            for name, asname in names}
