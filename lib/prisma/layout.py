"""Where each box, arrow and phase bar of the PRISMA 2020 diagram goes (reporting spec 2.3),
with the template's exact wording (spec 2.2). Pure geometry in SVG user units (px); the
SVG itself is a Django template, and PNG/PDF are converted from that SVG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lib import fonts
from lib.prisma.checks import ERROR, Finding
from lib.prisma.model import FIELDS, Count, Flow, Line, State

FONT = 12  # px
LINE = 15
PAD = 9
BOX_W = 250
GAP_X = 42  # main box -> side box
COL_GAP = 48  # between columns
GAP_Y = 34
PHASE_W = 26
MARGIN = 12
TEXT_W = BOX_W - 2 * PAD  # a box's line, measured in the fonts that draw it (lib.fonts)
NOTE_FONT = 10  # px, the footnotes

TITLE_FILL = "#ffc125"  # Goldenrod1, as the PRISMA2020 package
GREY_FILL = "#dcdcdc"  # Gainsboro
PHASE_FILL = "#bcd2ee"  # LightSteelBlue2
BANNER_FILL = "#b00020"  # a draft's banner: white bold text on red, across the top
BANNER_FONT = 13  # px

FOOTNOTES = [
    "*Consider, if feasible to do so, reporting the number of records identified from each "
    "database or register searched (rather than the total number across all "
    "databases/registers).",
    "**If automation tools were used, indicate how many records were excluded by a human and "
    "how many were excluded by automation tools.",
]
CITATION = [
    "From: Page MJ, McKenzie JE, Bossuyt PM, Boutron I, Hoffmann TC, Mulrow CD, et al. The "
    "PRISMA 2020 statement: an updated guideline for reporting systematic reviews. BMJ "
    "2021;372:n71. doi: 10.1136/bmj.n71",
    "For more information, visit: http://www.prisma-statement.org/",
]
# Boxes that hold a list (left-aligned); the others are centred like the template's.
LISTS = {"records_identified", "removed", "dbr_excluded", "other_excluded",
         "other_identified", "previous", "total"}  # fmt: skip
DAGGER = "\u2020"  # a count the lead entered or changed
DOUBLE_DAGGER = "\u2021"  # a count that rests on a stated assumption


class _Centre:
    """The centre of anything with x, y, w and h (boxes, phase bars)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class Box(_Centre):
    key: str  # what the box counts; the view turns it into a link
    lines: list[str]
    fill: str = "#ffffff"
    x: float = 0
    y: float = 0
    w: float = BOX_W
    h: float = 0
    title: bool = False
    href: str = ""

    @property
    def text_y(self) -> list[tuple[float, str]]:
        """(baseline, text) of each line, the block centred vertically."""
        top = self.y + (self.h - len(self.lines) * LINE) / 2 + FONT
        return [(top + i * LINE, text) for i, text in enumerate(self.lines)]

    @property
    def centred(self) -> bool:
        return self.title or self.key not in LISTS

    @property
    def text_x(self) -> float:
        return self.cx if self.centred else self.x + PAD

    @property
    def placed_lines(self) -> list[tuple[float, list[Run]]]:
        """(baseline, runs) of each line for renderers that draw a run in one font (cairosvg:
        the PNG and PDF), each run in a font that has its glyphs (lib.fonts)."""
        anchor = "middle" if self.centred else "start"
        return [(y, place(text, self.text_x, FONT, anchor)) for y, text in self.text_y]


@dataclass(frozen=True)
class Run:
    x: float
    text: str
    family: str
    anchor: str  # "start" or "middle"


def place(text: str, x: float, size: float, anchor: str = "start") -> list[Run]:
    """Runs of `text` in the fonts that draw them (lib.fonts.runs), placed from `x`: a line of
    one font keeps its anchor; a mixed line is laid out run by run from its measured width."""
    pieces = fonts.runs(text)
    if len(pieces) <= 1:
        return [Run(x, text, pieces[0][1] if pieces else fonts.PRIMARY, anchor)]
    left = x - fonts.width(text, size) / 2 if anchor == "middle" else x
    out = []
    for piece, family in pieces:
        out.append(Run(left, piece, family, "start"))
        left += fonts.width(piece, size)
    return out


@dataclass
class Phase(_Centre):
    label: str
    x: float
    y: float
    w: float
    h: float


@dataclass
class Layout:
    width: float
    height: float
    boxes: list[Box]
    arrows: list[list[tuple[float, float]]]
    phases: list[Phase]
    footnotes: list[tuple[float, str]] = field(default_factory=list)  # (baseline, text)
    # A draft's banner across the top (a check fails): (baseline, text) lines and its height.
    banner: list[tuple[float, str]] = field(default_factory=list)
    banner_h: float = 0

    def box(self, key: str) -> Box:
        return next(b for b in self.boxes if b.key == key)

    @property
    def placed_footnotes(self) -> list[tuple[float, list[Run]]]:
        return [(y, place(text, MARGIN, NOTE_FONT)) for y, text in self.footnotes]

    @property
    def placed_banner(self) -> list[tuple[float, list[Run]]]:
        return [(y, place(text, MARGIN + PAD, BANNER_FONT)) for y, text in self.banner]

    @property
    def banner_w(self) -> float:
        return self.width - 2 * MARGIN


def banner_text(failing: list[Finding]) -> str:
    """What a draft says at its top: how many checks fail, which, and where to look."""
    n = len(failing)
    ids = ", ".join(dict.fromkeys(f.check for f in failing))
    return (
        f"Draft: {n} check{'s' if n != 1 else ''} fail{'s' if n == 1 else ''} ({ids}: "
        f"{failing_words(failing)}), do not publish. See the consistency checks on the "
        "review's PRISMA page in Sift: correct the counts, or explain each warning."
    )


def failing_words(failing: list[Finding]) -> str:
    """'1 error, 1 warning not explained': what the failing checks are, in words the page
    and the figure's banner both print."""
    errors = sum(1 for f in failing if f.severity == ERROR)
    warnings = len(failing) - errors
    parts = [f"{errors} error{'s' if errors != 1 else ''}"] if errors else []
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''} not explained")
    return ", ".join(parts)


def _n(count: Count, marks: dict[str, str], name: str) -> str:
    """ "(n = 1,288)" with a mark when the lead entered it or it rests on an assumption."""
    mark = ""
    if count.state == State.REPORTED:
        mark = DAGGER
        marks.setdefault(name, f"{DAGGER} {name}: entered by the lead" + (
            f" ({count.note})" if count.note else ""))  # fmt: skip
    elif count.state == State.DERIVED_ASSUMED:
        mark = DOUBLE_DAGGER
        marks.setdefault(name, f"{DOUBLE_DAGGER} {name}: {count.note or 'rests on an assumption'}")
    return f"(n = {count.text()}){mark}"


_KEEP = "\u00a0"  # holds "(n = 1,288)" together while wrapping


def _wrap(text: str, indent: str = "", prefix: str = "") -> list[str]:
    """Lines that fit a box after `prefix`, measured in the fonts that draw them (an
    ideograph is a full em: Chinese and Japanese names wrap inside the box), "(n = 1,288)"
    kept whole."""
    held = re.sub(r"\(n = [^)]*\)\S*", lambda m: m[0].replace(" ", _KEEP), " ".join(text.split()))
    lines = fonts.wrap(held, TEXT_W - fonts.width(prefix, FONT), FONT, indent=indent + "  ")
    return [prefix + line.replace(_KEEP, " ") for line in lines]


def _lines(items: list[Line], marks: dict[str, str], prefix: str = "") -> list[str]:
    out = []
    for line in items:
        out += _wrap(f"{line.label} {_n(line.count, marks, line.label)}", "  ", prefix)
    return out


def _labelled(
    text: str, count: Count, marks: dict[str, str], inline: bool = False, prefix: str = ""
) -> list[str]:
    if inline:
        return _wrap(f"{text} {_n(count, marks, text)}", prefix=prefix)
    return [*_wrap(text, prefix=prefix), _n(count, marks, text)]


def boxes_of(flow: Flow) -> tuple[list[tuple[str, str, list[str], str]], list[str]]:
    """(column, row, lines, key) of every box, and the footnotes of the marked counts."""
    marks: dict[str, str] = {}
    f = flow
    out: list[tuple[str, str, list[str], str]] = []
    new = "" if not flow.updated else "new "
    New = "" if not flow.updated else "New "

    out.append(("M+MX", "R0", [f"Identification of {new}studies via databases and registers"],
                "title_dbr"))  # fmt: skip
    ident = ["Records identified from*:"]
    for key, items in (("database_results", flow.databases), ("register_results", flow.registers)):
        if not f[key].shown:
            continue
        name = "Databases" if key == "database_results" else "Registers"
        ident += _wrap(f"{name} {_n(f[key], marks, name)}" + (":" if items else ""))
        ident += _lines(items, marks, prefix="  ")
    if f["other_records_pooled"].shown:
        ident += _labelled("Other methods, screened with them", f["other_records_pooled"],
                           marks, inline=True)  # fmt: skip
    out.append(("M", "R1", ident, "records_identified"))
    removed = ["Records removed before screening:"]
    for key in ("duplicates", "excluded_automatic", "excluded_other"):
        if f[key].shown:
            removed += _labelled(_label(key), f[key], marks, inline=True, prefix="  ")
    out.append(("MX", "R1", removed, "removed"))
    out.append(("M", "R2", _labelled("Records screened", f["records_screened"], marks),
                "records_screened"))  # fmt: skip
    excluded = _labelled("Records excluded**", f["records_excluded"], marks)
    machine = f["records_excluded_automation"]
    if machine.known and machine.value:
        excluded += _labelled("by a person", f["records_excluded_human"], marks, inline=True)
        excluded += _labelled("by automation tools", machine, marks, inline=True)
    out.append(("MX", "R2", excluded, "records_excluded"))
    for prefix, col in (("dbr", "M"), ("other", "O")):
        if prefix == "other" and not flow.other:
            continue
        out.append((col, "R3", _labelled("Reports sought for retrieval",
                                         f[f"{prefix}_sought_reports"], marks),
                    f"{prefix}_sought"))  # fmt: skip
        out.append((col + "X", "R3", _labelled("Reports not retrieved",
                                               f[f"{prefix}_notretrieved_reports"], marks),
                    f"{prefix}_not_retrieved"))  # fmt: skip
        out.append((col, "R4", _labelled("Reports assessed for eligibility",
                                         f[f"{prefix}_assessed"], marks),
                    f"{prefix}_assessed"))  # fmt: skip
        reasons = flow.dbr_excluded if prefix == "dbr" else flow.other_excluded
        total = f[f"{prefix}_excluded_reports"]
        lines = ["Reports excluded:"]
        if reasons:
            lines += _lines(reasons, marks)
        else:
            lines.append(_n(total, marks, "Reports excluded"))
        out.append((col + "X", "R4", lines, f"{prefix}_excluded"))
    included = [
        *_wrap(f"{New}Studies included in review".capitalize()),
        _n(f["new_studies"], marks, "Studies included"),
        *_wrap(f"Reports of {new}included studies"),
        _n(f["new_reports"], marks, "Reports of included studies"),
    ]
    out.append(("M", "R5", included, "included"))
    if flow.updated:
        out.append(("M", "R6", [
            *_wrap(f"Total studies included in review {_n(f['total_studies'], marks, 'Total studies')}"),
            *_wrap(f"Reports of total included studies {_n(f['total_reports'], marks, 'Total reports')}"),
        ], "total"))  # fmt: skip
        out.append(("P", "R0", ["Previous studies"], "title_previous"))
        out.append(("P", "R1", [
            *_wrap("Studies included in previous version of review "
                   + _n(f["previous_studies"], marks, "Previous studies")),
            *_wrap("Reports of studies included in previous version of review "
                   + _n(f["previous_reports"], marks, "Previous reports")),
        ], "previous"))  # fmt: skip
    if flow.other:
        out.append(("O+OX", "R0", [f"Identification of {new}studies via other methods"],
                    "title_other"))  # fmt: skip
        out.append(("O", "R1", ["Records identified from:", *_lines(flow.other_sources, marks)],
                    "other_identified"))  # fmt: skip
    return out, list(marks.values())


def _label(key: str) -> str:
    return FIELDS[key][0]


def layout(flow: Flow, failing: list[Finding] | None = None) -> Layout:
    """The diagram's geometry. `failing`: the checks that fail (`checks.failing`); any puts
    a draft banner across the top, above everything else, which moves down under it."""
    specs, marks = boxes_of(flow)
    x: float = MARGIN + PHASE_W + 14
    cols: dict[str, float] = {}
    if flow.updated:
        cols["P"] = x
        x += BOX_W + COL_GAP
    cols["M"] = x
    cols["MX"] = x + BOX_W + GAP_X
    x = cols["MX"] + BOX_W
    if flow.other:
        cols["O"] = x + COL_GAP
        cols["OX"] = cols["O"] + BOX_W + GAP_X
        x = cols["OX"] + BOX_W
    width = x + MARGIN

    rows = ["R0", "R1", "R2", "R3", "R4", "R5"] + (["R6"] if flow.updated else [])
    heights = {r: 0.0 for r in rows}
    for _, row, lines, _ in specs:
        heights[row] = max(heights[row], max(44, 2 * PAD + len(lines) * LINE))
    heights["R0"] = max(heights["R0"], 34)
    banner: list[tuple[float, str]] = []
    banner_h = 0.0
    if failing:
        wrapped = fonts.wrap(banner_text(failing), width - 2 * MARGIN - 2 * PAD, BANNER_FONT)
        line = BANNER_FONT * 1.3
        banner = [(MARGIN + PAD + BANNER_FONT + i * line, text) for i, text in enumerate(wrapped)]
        banner_h = 2 * PAD + len(wrapped) * line
    tops, y = {}, MARGIN + (banner_h + GAP_Y / 2 if banner else 0)
    for r in rows:
        tops[r] = y
        y += heights[r] + GAP_Y
    boxes: list[Box] = []
    for col, row, lines, key in specs:
        title = row == "R0"
        if "+" in col:
            first, last_col = col.split("+")
            bx, bw = cols[first], cols[last_col] + BOX_W - cols[first]
        else:
            bx, bw = cols[col], BOX_W
        if title:
            fill = TITLE_FILL if key == "title_dbr" else GREY_FILL
        else:
            fill = GREY_FILL if col in ("P", "O", "OX") else "#ffffff"
        boxes.append(Box(key, lines, fill, bx, tops[row], bw, heights[row], title=title))

    by = {(col, row): box for (col, row, _, _), box in zip(specs, boxes, strict=True)}
    arrows: list[list[tuple[float, float]]] = []

    def right(a: Box, b: Box) -> None:
        arrows.append([(a.x + a.w, a.cy), (b.x, a.cy)])

    def down(a: Box, b: Box) -> None:
        arrows.append([(a.cx, a.y + a.h), (a.cx, b.y)])

    for r, nxt in (("R1", "R2"), ("R2", "R3"), ("R3", "R4"), ("R4", "R5")):
        right(by["M", r], by["MX", r])
        down(by["M", r], by["M", nxt])
    if flow.other:
        down(by["O", "R1"], by["O", "R3"])
        right(by["O", "R3"], by["OX", "R3"])
        down(by["O", "R3"], by["O", "R4"])
        right(by["O", "R4"], by["OX", "R4"])
        o4, m5 = by["O", "R4"], by["M", "R5"]
        arrows.append([(o4.cx, o4.y + o4.h), (o4.cx, m5.cy), (m5.x + m5.w, m5.cy)])
    if flow.updated:
        down(by["M", "R5"], by["M", "R6"])
        p1, m6 = by["P", "R1"], by["M", "R6"]
        arrows.append([(p1.cx, p1.y + p1.h), (p1.cx, m6.cy), (m6.x, m6.cy)])

    last = rows[-1]
    phases = [
        Phase("Identification", MARGIN, tops["R1"], PHASE_W, heights["R1"]),
        Phase("Screening", MARGIN, tops["R2"], PHASE_W, tops["R4"] + heights["R4"] - tops["R2"]),
        Phase("Included", MARGIN, tops["R5"], PHASE_W, tops[last] + heights[last] - tops["R5"]),
    ]
    notes: list[tuple[float, str]] = []
    y = tops[last] + heights[last] + GAP_Y * 0.8
    for text in [*FOOTNOTES, *marks, *flow.footnotes, *CITATION]:
        for part in fonts.wrap(" ".join(text.split()), width - 2 * MARGIN, NOTE_FONT):
            notes.append((y, part))
            y += LINE * 0.85
        y += 3
    return Layout(width, y + MARGIN, boxes, arrows, phases, notes, banner, banner_h)
