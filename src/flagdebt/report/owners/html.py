"""The owner report as one self-contained HTML page: a timeline bar per flag, a legend, tables."""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flagdebt.owners import HEALTHS, FlagRow, OwnerGroup, OwnerReport, Unregistered
from flagdebt.printable import printable
from flagdebt.report.owners import (
    age_phrase,
    count,
    due_phrase,
    notes,
    summary_phrase,
)


def escape(text: str) -> str:
    """HTML-escaped text with control characters shown as escapes (see `printable`)."""
    return html.escape(printable(text))


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_TICKS = 12
DOT, NONE = " &middot; ", "&ndash;"
HEALTH_CLASS = {"overdue": "h-overdue", "expiring": "h-expiring", "healthy": "h-healthy",
                "in rollout": "h-rollout", "archived": "h-archived"}
HEALTH_TEXT = {"overdue": "overdue: past its deadline",
               "expiring": "expiring: rolled out or back, deadline near",
               "healthy": "healthy: rolled out or back, time left",
               "in rollout": "in rollout: no final value yet",
               "archived": "archived"}
COLUMNS = ("Flag", "Type", "State", "Age", "Created", "Rolled out / back", "Deadline", "Due",
           "Call sites", "Files", "Remove with")
CELL_CLASS = {"Call sites": "num", "Files": "wrap"}
LAST_TICK = 94.0  # a month label further right would run off the track
CSS = """
:root{--overdue:#cf222e;--expiring:#bf8700;--healthy:#1a7f37;--rollout:#0969da;
--archived:#8c959f;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
max-width:1280px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2.2rem 0 .5rem;
border-bottom:1px solid var(--line);padding-bottom:.3rem}h2 small{color:var(--muted);
font-weight:normal;font-size:.85rem;margin-left:.5rem}
.meta,.note{color:var(--muted);margin:.25rem 0}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
background:var(--bg);padding:.05rem .3rem;border-radius:4px;overflow-wrap:break-word}
.h-overdue{--c:var(--overdue)}.h-expiring{--c:var(--expiring)}.h-healthy{--c:var(--healthy)}
.h-rollout{--c:var(--rollout)}.h-archived{--c:var(--archived)}
.legend{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;list-style:none;padding:0;margin:.8rem 0;
color:var(--muted);font-size:12.5px}
.legend li{display:flex;align-items:center;gap:.4rem}
.swatch{display:inline-block;width:1.6rem;height:.75rem;border-radius:3px;background:var(--c)}
.timeline{display:grid;grid-template-columns:15rem 1fr;row-gap:.3rem;margin:.8rem 0 1.2rem}
.label{padding-right:.8rem;min-width:0;border-left:4px solid var(--c);padding-left:.5rem}
.label code{background:none;padding:0;display:block;white-space:nowrap;overflow:hidden;
text-overflow:ellipsis}
.label small{color:var(--muted)}
.track{position:relative;height:2.1rem;background:var(--bg);border-radius:4px}
.axis .track{background:none;height:1.3rem}.axis .label{border:0}
.tick{position:absolute;top:0;font-size:11px;color:var(--muted);white-space:nowrap;
border-left:1px solid var(--line);padding-left:3px;height:1.3rem}
.seg{position:absolute;top:.65rem;height:.8rem;border-radius:3px}
.seg-rollout{border:1px solid var(--c);
background:repeating-linear-gradient(135deg,var(--c) 0 3px,transparent 3px 7px)}
.seg-live{background:var(--c);opacity:.55}
.seg-late{background:var(--c)}
.seg-ahead{border:1px dashed var(--c)}
.mark{position:absolute;top:.35rem;height:1.4rem;width:2px;margin-left:-1px;background:var(--c)}
.mark-settled{top:.7rem;width:.7rem;height:.7rem;margin-left:-.35rem;background:#fff;
border:2px solid var(--c);transform:rotate(45deg)}
.mark-deadline{width:3px;background:var(--ink)}
.mark-archived{background:var(--muted)}
.today{position:absolute;top:0;bottom:0;border-left:2px dotted var(--ink)}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top;
white-space:nowrap}td.wrap{white-space:normal;min-width:12rem}
.scroll{overflow-x:auto}
th{background:var(--bg);font-weight:600}td.num{text-align:right}
td:first-child{border-left:4px solid var(--c)}
.empty{color:var(--muted)}
"""


@dataclass(frozen=True, slots=True)
class Axis:
    """The dates the timelines span; positions are percentages of its width."""

    start: date
    end: date

    def at(self, day: date) -> float:
        """Where `day` sits on the axis, 0 to 100."""
        span = max((self.end - self.start).days, 1)
        return min(max((day - self.start).days / span * 100, 0.0), 100.0)


def _dates(row: FlagRow) -> Iterator[date]:
    flag = row.flag
    for day in (flag.created, flag.settled, flag.archived, row.deadline):
        if day is not None:
            yield day


def axis_of(report: OwnerReport) -> Axis:
    """An axis from the earliest to the latest date of the report and today, padded a little."""
    days = [report.today, *(day for row in report.rows for day in _dates(row))]
    first, last = min(days), max(days)
    pad = timedelta(days=max(7, (last - first).days // 30))
    return Axis(first - pad, last + pad)


def _month_starts(axis: Axis) -> list[date]:
    months, day = [], date(axis.start.year, axis.start.month, 1)
    while day <= axis.end:
        if day >= axis.start:
            months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    step = max(1, -(-len(months) // MAX_TICKS))
    return months[::step]


def _pos(value: float) -> str:
    return f"{value:.2f}%"


def _span(cls: str, axis: Axis, start: date, end: date) -> str:
    left, right = axis.at(start), axis.at(end)
    return f'<span class="{cls}" style="left:{_pos(left)};width:{_pos(right - left)}"></span>'


def segments(row: FlagRow, today: date) -> list[tuple[str, date, date]]:
    """The bar's pieces: rolling out, live, overdue, and the time left before the deadline."""
    flag, end = row.flag, row.flag.archived or today
    start = flag.created or flag.settled
    settled = flag.settled
    late = row.deadline if row.overdue else None
    pieces: list[tuple[str, date, date]] = []
    if start is not None:
        pieces.append(("seg-rollout", start, min(settled or end, end)))
    if settled is not None:
        pieces.append(("seg-live", settled, min(late or end, end)))
    if start is not None and late is not None:
        pieces.append(("seg-late", max(late, settled or start), end))
    if row.deadline is not None and flag.archived is None:
        pieces.append(("seg-ahead", end, row.deadline))
    return [piece for piece in pieces if piece[2] > piece[1]]


def markers(row: FlagRow) -> list[tuple[str, date, str]]:
    """The dated events of a flag: created, rolled out or back, deadline, archived."""
    flag = row.flag
    found = [("mark-created", flag.created, "created"),
             ("mark-settled", flag.rolled_out, "rolled out"),
             ("mark-settled", flag.rolled_back, "rolled back"),
             ("mark-deadline", row.deadline, "deadline"),
             ("mark-archived", flag.archived, "archived")]
    return [(cls, day, f"{what} {day.isoformat()}") for cls, day, what in found if day is not None]


def _track(row: FlagRow, axis: Axis, today: date) -> str:
    events = markers(row)
    summary = "; ".join(title for _, _, title in events) or "no dates in the registry"
    parts = [_span(f"seg {cls}", axis, start, end) for cls, start, end in segments(row, today)]
    parts += [f'<span class="mark {cls}" style="left:{_pos(axis.at(day))}" '
              f'title="{escape(title)}"></span>' for cls, day, title in events]
    parts.append(f'<span class="today" style="left:{_pos(axis.at(today))}" '
                 f'title="today {today.isoformat()}"></span>')
    return (f'<div class="track {HEALTH_CLASS[row.health]}" role="img" '
            f'aria-label="{escape(summary)}" '
            f'title="{escape(summary)}">{"".join(parts)}</div>')


def _axis_row(axis: Axis, today: date) -> str:
    ticks = "".join(f'<span class="tick" style="left:{_pos(axis.at(day))}">'
                    f"{MONTHS[day.month - 1]} {day.year}</span>" for day in _month_starts(axis)
                    if axis.at(day) <= LAST_TICK)
    return (f'<div class="label"></div><div class="track">{ticks}'
            f'<span class="today" style="left:{_pos(axis.at(today))}"></span></div>')


def _timeline(rows: Sequence[FlagRow], axis: Axis, today: date) -> str:
    lines = [f'<div class="timeline"><div class="axis" style="display:contents">'
             f"{_axis_row(axis, today)}</div>"]
    for row in rows:
        health = HEALTH_CLASS[row.health]
        lines.append(f'<div class="label {health}"><code>{escape(row.key)}</code>'
                     f"<small>{escape(row.state)}{DOT}{escape(due_phrase(row))}</small></div>"
                     f"{_track(row, axis, today)}")
    lines.append("</div>")
    return "\n".join(lines)


def _day(day: date | None) -> str:
    return day.isoformat() if day is not None else NONE


def _codes(values: Iterable[str]) -> str:
    return "<br>".join(f"<code>{escape(value)}</code>" for value in values) or NONE


def _cells(row: FlagRow) -> list[str]:
    flag = row.flag
    return [f"<code>{escape(row.key)}</code>", escape(flag.type) if flag.type else NONE, escape(row.state),
            escape(age_phrase(row)), _day(flag.created), _day(flag.settled),
            _day(row.deadline), escape(due_phrase(row)), str(len(row.sites)),
            _codes(row.files), _codes([row.command] if row.command else [])]


def _table(rows: Sequence[FlagRow]) -> str:
    head = "".join(f"<th>{escape(name)}</th>" for name in COLUMNS)
    body = "\n".join(f'<tr class="{HEALTH_CLASS[row.health]}">'
                     + "".join(_td(column, cell) for column, cell in zip(COLUMNS, _cells(row), strict=True))
                     + "</tr>" for row in rows)
    return (f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n'
            "</tbody>\n</table></div>")


def _td(column: str, cell: str) -> str:
    kind = CELL_CLASS.get(column)
    return f'<td class="{kind}">{cell}</td>' if kind else f"<td>{cell}</td>"


def _section(group: OwnerGroup, axis: Axis, today: date) -> str:
    counts = (f"{count(len(group.rows), 'flag')}, {len(group.removable)} removable now, "
              f"{sum(row.overdue for row in group.rows)} overdue")
    return (f"<section>\n<h2>{escape(group.label)}<small>{escape(counts)}</small></h2>\n"
            f"{_timeline(group.rows, axis, today)}\n{_table(group.rows)}\n</section>")


def _unregistered(strays: Sequence[Unregistered], registry: str) -> str:
    rows = "\n".join(f'<tr class="h-archived"><td><code>{escape(stray.key)}</code></td>'
                     f'<td class="num">{len(stray.sites)}</td>'
                     f'<td class="wrap">{_codes(stray.files)}</td></tr>' for stray in strays)
    return (f"<section>\n<h2>Unregistered flags</h2>\n<p class=\"note\">Read in code but not in "
            f"<code>{escape(registry)}</code>: register them or fix the keys.</p>\n"
            f"<table>\n<thead><tr><th>Key</th><th>Call sites</th><th>Files</th></tr></thead>\n"
            f"<tbody>\n{rows}\n</tbody>\n</table>\n</section>")


def _legend() -> str:
    colours = "".join(f'<li><span class="swatch {HEALTH_CLASS[health]}"></span>'
                      f"{escape(HEALTH_TEXT[health])}</li>" for health in HEALTHS)
    shapes = (f"<li>striped: rolling out{DOT}faded: rolled out or back{DOT}solid: overdue"
              f"{DOT}dashed: time left{DOT}&#9670; rolled out or back{DOT}thick tick: deadline"
              f"{DOT}dotted line: today</li>")
    return f'<ul class="legend">{colours}{shapes}</ul>'


def render_html(report: OwnerReport) -> str:
    """One HTML file with inline CSS only: no scripts, fonts, images or external URLs."""
    axis = axis_of(report)
    scope = f" for {report.owner}" if report.owner is not None else ""
    body = [_section(group, axis, report.today) for group in report.groups]
    if report.unregistered:
        body.append(_unregistered(report.unregistered, report.registry))
    body += [f'<p class="note">{escape(note)}</p>' for note in notes(report)]
    if not report.groups:
        body.append('<p class="empty">The registry has no flags.</p>')
    title = f"Flag report{scope} ({report.today.isoformat()})"
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">",
        f"<title>{escape(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<header>\n<h1>{escape(title)}</h1>",
        f'<p class="meta"><code>{escape(report.registry)}</code>{DOT}'
        f"{escape(summary_phrase(report))}</p>", _legend(), "</header>", *body, "</body>", "</html>", ""])
