"""The near-key index gives exactly difflib's `get_close_matches(n=1)` answer (FD003's suggestion)."""

from __future__ import annotations

import difflib
import random

from hypothesis import given
from hypothesis import strategies as st

from flagdebt.nearkeys import NearKeys, tokens

KEYS = st.text(alphabet="abc-1é", max_size=9)


def difflib_pick(word: str, names: list[str], cutoff: float = 0.75) -> str | None:
    found = difflib.get_close_matches(word, names, n=1, cutoff=cutoff)
    return found[0] if found else None


@given(st.lists(KEYS, max_size=30), st.lists(KEYS, min_size=1, max_size=8),
       st.sampled_from([0.0, 0.5, 0.6, 0.75, 0.9, 1.0]))
def test_same_pick_as_difflib_on_random_keys(names: list[str], words: list[str], cutoff: float) -> None:
    near = NearKeys(names, cutoff)  # one index, many words, as in a check run
    for word in words:
        assert near.closest(word) == difflib_pick(word, names, cutoff), word


def test_same_pick_as_difflib_on_a_large_registry_of_similar_keys() -> None:
    chance = random.Random(20261202)
    names = [f"flag-number-{n}" for n in range(3000)] + ["new-checkout", "checkout-v2", "dark-mode"]
    words = ["new-chekout", "checkout-v3", "darkmode", "unrelated-name", "", "flag", "x"]
    for _ in range(150):  # typos: a character dropped, doubled, swapped or replaced
        word = list(chance.choice(names))
        at = chance.randrange(len(word))
        edit = chance.randrange(4)
        if edit == 0:
            del word[at]
        elif edit == 1:
            word.insert(at, word[at])
        elif edit == 2 and at + 1 < len(word):
            word[at], word[at + 1] = word[at + 1], word[at]
        else:
            word[at] = chance.choice("abcdefghijklmnopqrstuvwxyz0123456789-")
        words.append("".join(word))
    near = NearKeys(names)
    for word in words:
        assert near.closest(word) == difflib_pick(word, names), word


def test_ties_go_to_the_name_difflib_picks() -> None:
    names = ["ab-x", "ab-y", "ab-z", "ba-x"]
    assert NearKeys(names).closest("ab-w") == difflib_pick("ab-w", names) == "ab-z"


def test_duplicates_and_aliases_do_not_change_the_pick() -> None:
    names = ["new-checkout", "new-checkout", "NewCheckout", "new_checkout"]
    assert NearKeys(names).closest("new-chekout") == "new-checkout"
    assert NearKeys([]).closest("anything") is None


def test_tokens_count_repeated_characters() -> None:
    assert sorted(tokens("abca")) == [("a", 1), ("a", 2), ("b", 1), ("c", 1)]
