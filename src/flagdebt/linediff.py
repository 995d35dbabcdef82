"""Unified diffs whose cost grows with the file, not with the file times the changes.

`difflib` finds the longest matching run first and then works on both sides of it; on a
long file with many similar changes (thousands of rewritten flag reads) that is quadratic.
Here a long stretch is first cut at lines that occur once on each side and in the same
order (the anchors of a patience diff); `difflib` matches what lies between. A stretch
short enough (both sides together at most `DIRECT` lines) goes to `difflib` as it is, so
the diff of an ordinary file is exactly difflib's.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence

DIRECT = 1000
CONTEXT = 3

Block = tuple[int, int, int]  # start in a, start in b, length
Region = tuple[int, int, int, int]  # a[alo:ahi] against b[blo:bhi]


def unified_lines(a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str) -> Iterator[str]:
    """The lines of a unified diff of `a` and `b` (lines that keep their ends), as
    `difflib.unified_diff(a, b, fromfile, tofile)` writes them."""
    groups = _Blocks(matching_blocks(a, b)).get_grouped_opcodes(CONTEXT)
    for number, group in enumerate(groups):
        if number == 0:
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_span(first[1], last[2])} +{_span(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
                continue
            if tag in ("replace", "delete"):
                yield from ("-" + line for line in a[i1:i2])
            if tag in ("replace", "insert"):
                yield from ("+" + line for line in b[j1:j2])


def _span(start: int, stop: int) -> str:
    """A hunk's range as unified diffs write it: 1-based start, length when not 1."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


class _Blocks(difflib.SequenceMatcher):  # type: ignore[type-arg]
    """difflib's opcodes and hunk grouping over matching blocks found elsewhere."""

    def __init__(self, blocks: list[Block]) -> None:
        super().__init__(None, (), ())
        self.found = blocks

    def get_matching_blocks(self) -> list[Block]:  # type: ignore[override]
        return self.found


def matching_blocks(a: Sequence[str], b: Sequence[str]) -> list[Block]:
    """Matching runs of lines, in order, adjacent runs merged, ending with (len a, len b, 0)."""
    found: list[Block] = []
    stack: list[Region] = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        if (ahi - alo) + (bhi - blo) <= DIRECT:
            _match_directly(a, b, (alo, ahi, blo, bhi), found)
            continue
        head = 0
        while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
            head += 1
        tail = 0
        while ahi - tail > alo + head and bhi - tail > blo + head \
                and a[ahi - tail - 1] == b[bhi - tail - 1]:
            tail += 1
        found.extend(block for block in ((alo, blo, head), (ahi - tail, bhi - tail, tail)) if block[2])
        stack.extend(_split(a, b, (alo + head, ahi - tail, blo + head, bhi - tail), found))
    return _merged(found, len(a), len(b))


def _match_directly(a: Sequence[str], b: Sequence[str], region: Region, found: list[Block]) -> None:
    alo, ahi, blo, bhi = region
    matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi])
    found.extend((alo + i, blo + j, size) for i, j, size in matcher.get_matching_blocks() if size)


def _split(a: Sequence[str], b: Sequence[str], region: Region, found: list[Block]) -> list[Region]:
    """The parts of a region between its anchors and the anchors themselves; a region
    without anchors is matched by difflib at once (its blocks go to `found`)."""
    alo, ahi, blo, bhi = region
    if alo == ahi or blo == bhi:
        return []
    anchors = _anchors(a, b, region)
    if not anchors:
        _match_directly(a, b, region, found)
        return []
    parts: list[Region] = []
    i, j = alo, blo
    for ai, bj in anchors:
        found.append((ai, bj, 1))
        parts.append((i, ai, j, bj))
        i, j = ai + 1, bj + 1
    parts.append((i, ahi, j, bhi))
    return [part for part in parts if part[0] < part[1] and part[2] < part[3]]


def _anchors(a: Sequence[str], b: Sequence[str], region: Region) -> list[tuple[int, int]]:
    """Lines found once in each side of the region, the longest run of them in the same order."""
    alo, ahi, blo, bhi = region
    in_a = Counter(a[alo:ahi])
    in_b = Counter(b[blo:bhi])
    where = {line: j for j, line in enumerate(b[blo:bhi], blo) if in_b[line] == 1 and in_a[line] == 1}
    pairs = [(i, where[line]) for i, line in enumerate(a[alo:ahi], alo) if line in where]
    return _longest_increasing(pairs)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of pairs (increasing in the first) increasing in the second."""
    tops: list[int] = []  # the smallest last second value of a run of each length
    ends: list[int] = []  # index in pairs of that run's last pair
    before: list[int] = []  # index of the previous pair in the run a pair ends
    for index, (_, j) in enumerate(pairs):
        length = bisect_left(tops, j)
        before.append(ends[length - 1] if length else -1)
        if length == len(tops):
            tops.append(j)
            ends.append(index)
        else:
            tops[length] = j
            ends[length] = index
    run: list[tuple[int, int]] = []
    at = ends[-1] if ends else -1
    while at >= 0:
        run.append(pairs[at])
        at = before[at]
    return run[::-1]


def _merged(blocks: list[Block], alen: int, blen: int) -> list[Block]:
    merged: list[Block] = []
    for i, j, size in sorted(blocks):
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + size)
        else:
            merged.append((i, j, size))
    merged.append((alen, blen, 0))
    return merged
