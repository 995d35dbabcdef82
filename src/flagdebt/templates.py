"""Django and Jinja templates: the flag reads of a preset's tags and functions, and their removal.

`{% flag "x" %}A{% else %}B{% endflag %}` keeps A or B; `{% if waffle.flag('x') %}` (or
`not waffle.flag('x')`) keeps its branch; a `{% load lib %}` whose library nothing uses any
more goes. Any other read of a removed flag (an expression, an `elif` chain) cannot be
folded: it is returned as a blocking site and the caller writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from flagdebt.jsscan import find_reads

TAG = re.compile(r"\{%-?\s*(?P<name>\w+)(?P<rest>.*?)-?%\}", re.DOTALL)
ARGUMENT = re.compile(r"""\s*(?:(?P<q>['"])(?P<key>[^'"\n]*)(?P=q)|(?P<other>\S+))""")
BLOCKS = frozenset({"if", "for", "with", "block", "macro", "call", "filter", "autoescape",
                    "raw", "spaceless", "comment", "verbatim", "ifchanged", "blocktrans",
                    "blocktranslate", "trans"})
MIDDLES = frozenset({"else", "elif", "empty"})
ELIF = "an {% elif %} chain on the flag: fold it by hand"
EXPRESSION = "a template expression flagdebt cannot fold"
UNCLOSED = "a flag block without its end tag"


@dataclass(frozen=True, slots=True)
class TemplateForms:
    """A preset's template forms: Django block tags, their library, Jinja functions."""

    tags: tuple[str, ...] = ()
    libraries: tuple[str, ...] = ()
    library_tags: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TemplateRead:
    """One read in a template: 1-based line and column, the tag or function, the key."""

    line: int
    col: int
    callee: str
    key: str
    dynamic: bool = False


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    rest: str
    start: int
    end: int


@dataclass
class Block:
    opener: Tag
    middles: list[Tag] = field(default_factory=list)
    closer: Tag | None = None


@dataclass
class TemplateRewrite:
    """The rewritten text, how many reads went, and the reads that block the removal."""

    text: str
    removed: int = 0
    blocking: list[tuple[int, int, str, str]] = field(default_factory=list)  # line, col, key, why


def find_reads_in_template(text: str, forms: TemplateForms) -> list[TemplateRead]:
    """Every flag read of a template: its block tags and its function calls."""
    starts = _line_starts(text)
    reads = [TemplateRead(*_position(starts, tag.start), f"{{% {tag.name} %}}", key, dynamic)
             for tag, key, dynamic in _flag_tags(text, forms)]
    reads.extend(TemplateRead(read.line, read.col, read.callee, read.key, read.dynamic)
                 for read in find_reads(text, forms.functions))
    return sorted(reads, key=lambda read: (read.line, read.col))


def _flag_tags(text: str, forms: TemplateForms) -> Iterator[tuple[Tag, str, bool]]:
    for match in TAG.finditer(text):
        if match["name"] in forms.tags:
            argument = ARGUMENT.match(match["rest"])
            if argument is not None:
                key = argument["key"] if argument["key"] is not None else argument["other"]
                yield _tag(match), key, argument["key"] is None


def _tag(match: re.Match[str]) -> Tag:
    return Tag(match["name"], match["rest"], match.start(), match.end())


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    import bisect

    line = bisect.bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


def parse_blocks(text: str, forms: TemplateForms) -> list[Block]:
    """The block tags of a template with their middle (`else`) and end tags, outermost first."""
    ends = {m["name"][3:] for m in TAG.finditer(text) if m["name"].startswith("end")}
    openers = (BLOCKS | set(forms.tags)) & ends | (set(forms.tags) - ends)
    stack: list[Block] = []
    blocks: list[Block] = []
    for match in TAG.finditer(text):
        tag = _tag(match)
        if tag.name.startswith("end") and tag.name[3:] in openers:
            while stack and stack[-1].opener.name != tag.name[3:]:
                stack.pop()
            if stack:
                block = stack.pop()
                block.closer = tag
        elif tag.name in MIDDLES and stack:
            stack[-1].middles.append(tag)
        elif tag.name in openers:
            block = Block(tag)
            stack.append(block)
            blocks.append(block)
    return blocks


def rewrite_template(text: str, values: Mapping[str, bool], forms: TemplateForms) -> TemplateRewrite:
    """Fold the blocks that read the flags in `values` (spelling -> final value)."""
    result = TemplateRewrite(text)
    while (folded := _fold_one(result.text, values, forms)) is not None:
        result.text = folded
        result.removed += 1
    result.blocking = _blocking(result.text, values, forms)
    if result.removed:
        result.text = _drop_unused_loads(result.text, forms)
    return result


def _fold_one(text: str, values: Mapping[str, bool], forms: TemplateForms) -> str | None:
    """The text with the first foldable flag block folded; None when there is none."""
    for block in parse_blocks(text, forms):
        tested = _condition(block.opener, values, forms)
        if tested is not None and _problem(block) is None:
            return _keep(text, block, tested[1])
    return None


def _blocking(text: str, values: Mapping[str, bool],
              forms: TemplateForms) -> list[tuple[int, int, str, str]]:
    """The reads of the flags left after folding, each with why it could not be folded."""
    starts = _line_starts(text)
    found: dict[tuple[int, int], tuple[str, str]] = {}
    for block in parse_blocks(text, forms):
        tested = _condition(block.opener, values, forms)
        problem = _problem(block) if tested is not None else None
        if tested is not None and problem is not None:
            found[_position(starts, block.opener.start)] = (tested[0], problem)
    for read in find_reads_in_template(text, forms):
        inside = any(line == read.line for line, _ in found)
        if read.key in values and not inside:
            found[(read.line, read.col)] = (read.key, EXPRESSION)
    return sorted((line, col, key, reason) for (line, col), (key, reason) in found.items())


def _condition(opener: Tag, values: Mapping[str, bool],
               forms: TemplateForms) -> tuple[str, bool] | None:
    """The flag and constant a block's opening tag tests, when it tests only a removed flag."""
    if opener.name in forms.tags:
        argument = ARGUMENT.match(opener.rest)
        key = argument["key"] if argument is not None else None
        if key is None or key not in values or opener.rest[argument.end():].strip():  # type: ignore[union-attr]
            return None
        return key, values[key]
    if opener.name != "if":
        return None
    condition = re.fullmatch(r"\s*(?P<not>not\s+)?(?P<call>.+?)\s*", opener.rest, re.DOTALL)
    if condition is None:
        return None
    reads = list(find_reads(condition["call"], forms.functions))
    if len(reads) != 1 or reads[0].key not in values or not _whole_call(condition["call"]):
        return None
    return reads[0].key, values[reads[0].key] != bool(condition["not"])


def _whole_call(text: str) -> bool:
    """True when `text` is one call `name(...)` and nothing else."""
    return re.fullmatch(r"[\w.]+\s*\(\s*(['\"])[^'\"]*\1\s*\)", text) is not None


def _problem(block: Block) -> str | None:
    if block.closer is None:
        return UNCLOSED
    if any(middle.name != "else" for middle in block.middles) or len(block.middles) > 1:
        return ELIF
    return None


def _keep(text: str, block: Block, value: bool) -> str:
    """The text with the block replaced by the branch that runs."""
    assert block.closer is not None
    opener = _line_span(text, block.opener)
    closer = _line_span(text, block.closer)
    middle = _line_span(text, block.middles[0]) if block.middles else None
    if value:
        kept = text[opener[1]: middle[0] if middle else closer[0]]
    else:
        kept = text[middle[1]: closer[0]] if middle else ""
    if kept.strip():
        return text[: opener[0]] + kept + text[closer[1]:]
    start, end = opener[0], closer[1]  # nothing kept: a line left blank by it goes too
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    if not text[line_start:start].strip() and not text[end:line_end].strip():
        return text[:line_start] + text[min(line_end + 1, len(text)):]
    return text[:start] + text[end:]


def _line_span(text: str, tag: Tag) -> tuple[int, int]:
    """The tag's span, widened to its whole line when nothing else stands on that line."""
    start = text.rfind("\n", 0, tag.start) + 1
    end = text.find("\n", tag.end)
    end = len(text) if end == -1 else end
    if text[start: tag.start].strip() or text[tag.end: end].strip():
        return tag.start, tag.end
    return start, min(end + 1, len(text))


def _drop_unused_loads(text: str, forms: TemplateForms) -> str:
    """Remove a preset's library from `{% load %}` tags once none of its tags is used."""
    used = {m["name"] for m in TAG.finditer(text)}
    unused = [lib for lib in forms.libraries if not used & set(forms.library_tags)]
    for library in unused:
        text = _unload(text, library)
    return text


def _unload(text: str, library: str) -> str:
    for match in reversed(list(TAG.finditer(text))):
        names = match["rest"].split()
        if match["name"] != "load" or library not in names or "from" in names:
            continue
        left = [name for name in names if name != library]
        if left:
            text = text[: match.start()] + "{% load " + " ".join(left) + " %}" + text[match.end():]
        else:
            start, end = _line_span(text, _tag(match))
            text = text[:start] + text[end:]
    return text


def template_forms(tags: Sequence[str], libraries: Sequence[str], library_tags: Sequence[str],
                   functions: Sequence[str]) -> TemplateForms:
    """TemplateForms without duplicates."""
    return TemplateForms(*(tuple(dict.fromkeys(part)) for part in
                           (tags, libraries, library_tags, functions)))
