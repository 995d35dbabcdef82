"""The registered key nearest to an unknown one: `difflib.get_close_matches(n=1)`'s answer,
found without comparing the key with every flag of a large registry.

`quick_ratio()` bounds `ratio()` from above: it is 2·M/(len(a)+len(b)), M the number of
characters the two strings share counted with repetition. M is the overlap of the strings'
"tokens" (each character with its occurrence number: `("g", 1)`, `("g", 2)`, ...), so a
name sharing at least T tokens with the word shares one of the word's len − T + 1 rarest
tokens: names are indexed by length and token, and only those are compared. The bound is
lowered in steps (1.0, 0.95, ..., the cutoff) until the best ratio found is at least the
bound, after which no name left out can beat it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

LEVELS = (1.0, 0.95, 0.9, 0.85, 0.8)
Token = tuple[str, int]


def tokens(text: str) -> list[Token]:
    """Each character of `text` with its occurrence number (1 for the first)."""
    seen: dict[str, int] = {}
    found: list[Token] = []
    for char in text:
        number = seen[char] = seen.get(char, 0) + 1
        found.append((char, number))
    return found


class NearKeys:
    """Registered names, indexed to find the nearest to a word (built once per run)."""

    def __init__(self, names: Iterable[str], cutoff: float = 0.75) -> None:
        self.names = list(dict.fromkeys(names))
        self.cutoff = cutoff
        self.by_length: dict[int, dict[Token, list[int]]] = {}
        for index, name in enumerate(self.names):
            postings = self.by_length.setdefault(len(name), {})
            for token in tokens(name):
                postings.setdefault(token, []).append(index)

    def closest(self, word: str) -> str | None:
        """The name `difflib.get_close_matches(word, names, n=1, cutoff)` returns, or None."""
        matcher = SequenceMatcher()
        matcher.set_seq2(word)
        if not word or self.cutoff <= 0:  # degenerate: every name may qualify
            found = _best(matcher, self.names, self.cutoff, None)
            return None if found is None else found[1]
        best: tuple[float, str] | None = None
        seen: set[int] = set()
        mine = tokens(word)
        for level in sorted({*(level for level in LEVELS if level > self.cutoff), self.cutoff},
                            reverse=True):
            fresh = self._sharing(mine, len(word), level) - seen
            seen |= fresh
            best = _best(matcher, [self.names[index] for index in fresh], self.cutoff, best)
            if best is not None and best[0] >= level:
                break  # a name not compared has a bound, so a ratio, below `level`
        return None if best is None else best[1]

    def _sharing(self, mine: Sequence[Token], size: int, level: float) -> set[int]:
        """Every name whose `quick_ratio()` with the word can reach `level` (and a few more)."""
        found: set[int] = set()
        for length, postings in self.by_length.items():
            total = size + length
            if 2.0 * min(size, length) / total < level:
                continue
            least = _least_shared(total, level)
            if least > min(size, length):
                continue
            if least <= 0:
                found.update(index for indexes in postings.values() for index in indexes)
                continue
            rarest = sorted(mine, key=lambda token: (len(postings.get(token, ())), token))
            for token in rarest[:size - least + 1]:
                found.update(postings.get(token, ()))
        return found


def _least_shared(total: int, level: float) -> int:
    """The fewest shared characters that give `2.0 * M / total >= level` (difflib's formula)."""
    shared = max(0, int(level * total / 2) - 1)
    while 2.0 * shared / total < level:
        shared += 1
    return shared


def _best(matcher: SequenceMatcher[str], names: Sequence[str], cutoff: float,
          best: tuple[float, str] | None) -> tuple[float, str] | None:
    """The best (ratio, name) among `names` and `best`, with ratio at least `cutoff`.

    The full `ratio()` is computed best bound first, and only while a name's
    `quick_ratio()` bound can still reach the best found.
    """
    bounded: list[tuple[float, str]] = []
    for name in names:
        matcher.set_seq1(name)
        if matcher.real_quick_ratio() >= cutoff and (bound := matcher.quick_ratio()) >= cutoff:
            bounded.append((bound, name))
    bounded.sort(reverse=True)
    for bound, name in bounded:  # best first: once a bound cannot beat the best, none can
        if best is not None and (bound, name) < best:
            break
        matcher.set_seq1(name)
        score = matcher.ratio()
        if score >= cutoff and (best is None or (score, name) > best):
            best = (score, name)
    return best


def close_match(word: str, names: Sequence[str], cutoff: float = 0.75) -> str | None:
    """What `difflib.get_close_matches(word, names, n=1, cutoff)` picks (one-off lookups;
    build a `NearKeys` once for many)."""
    return NearKeys(names, cutoff).closest(word)
