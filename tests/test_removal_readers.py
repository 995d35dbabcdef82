"""removal._Readers: one pass over the files answers what a word search per name answered."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from flagdebt.removal import FEW_NAMES, _Readers

NAMES = st.sampled_from(["KEY", "KEY_2", "key", "on", "é_flag", "Feature.ON", "ON"])
TEXT = st.lists(st.sampled_from(["KEY", "KEY_2", "_KEY", "key", " ", ".", "on", "é_flag", "Feature",
                                 ".ON", "\n", "(", "ON"]), max_size=12).map("".join)


def search_per_name(name: str, definer: str, texts: dict[str, str]) -> bool:
    return any(path != definer and re.search(rf"\b{re.escape(name)}\b", text)
               for path, text in texts.items())


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=4), st.sets(NAMES, min_size=1), st.booleans(),
       st.integers(0, 3))
def test_same_answer_as_a_search_per_name(files: list[str], names: set[str], many: bool,
                                          definer: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        texts = {}
        for number, text in enumerate(files):
            path = Path(folder) / f"m{number}.py"
            path.write_text(text, encoding="utf-8")
            texts[str(path)] = text
        pairs = [(path, path) for path in texts]
        changed = {pairs[0][0]: files[0] + " KEY"}  # a file the removal rewrote: its new text counts
        wanted = names | ({f"N{n}" for n in range(FEW_NAMES)} if many else set())
        readers = _Readers(wanted, pairs, changed)
        seen = {**texts, **changed}
        owner = pairs[min(definer, len(pairs) - 1)][0]
        for name in wanted:
            assert readers.elsewhere(name, owner) == search_per_name(name, owner, seen), name
