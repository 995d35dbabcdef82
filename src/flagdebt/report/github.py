"""GitHub Actions workflow commands: one `::error` or `::warning` annotation per finding.

There is no summary line: a `::notice` would add an annotation of its own to every run
(GitHub caps annotations per step), and the exit code already says whether the job failed.
A clean run prints nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from flagdebt.model import Finding
from flagdebt.printable import printable
from flagdebt.report import Summary
from flagdebt.rules import BY_CODE

DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
PROPERTY_ESCAPES = DATA_ESCAPES + ((":", "%3A"), (",", "%2C"))


def render_github(findings: Sequence[Finding], summary: Summary) -> str:
    """One workflow command per finding, in report order."""
    return "".join(annotation(finding) + "\n" for finding in sorted(findings))


def annotation(finding: Finding) -> str:
    """`::error file=PATH,line=L,col=C,title=FD001 expired-flag::MESSAGE`.

    Control characters of a key or path (ESC, NUL, a newline) are shown as `\\x1b`, `\\n`
    (see `printable`), as in the text report, so one finding stays one readable line.
    """
    rule = BY_CODE.get(finding.code)
    properties = {
        "file": printable(finding.path).replace("\\", "/"),
        "line": str(finding.line),
        "col": str(finding.col),
        "title": f"{finding.code} {rule.name}" if rule else finding.code,
    }
    spelled = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{finding.severity} {spelled}::{escape_data(printable(finding.message))}"


def escape_data(text: str) -> str:
    """Escape a command's message: `%`, CR and LF."""
    return _replace(text, DATA_ESCAPES)


def escape_property(text: str) -> str:
    """Escape a command's property value: the message escapes plus `:` and `,`."""
    return _replace(text, PROPERTY_ESCAPES)


def _replace(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for old, new in pairs:
        text = text.replace(old, new)
    return text
