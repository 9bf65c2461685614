"""robvis-style figures of checklist answers (reporting.md 8.3): a traffic-light plot
(studies x questions) and a summary plot (one 100%-stacked bar per question), as SVG, PNG
or PDF; the summary plots weighted as robvis's `rob_summary(weighted = TRUE)` when given a
weight per study, their axis title saying which weighting they show.

Drawn with matplotlib's object API on the Agg/SVG canvases: no pyplot state, so it is safe
in a threaded web server. Sizes follow the number of studies and questions and stay readable
at journal width (fonts 8-9 pt on a figure 17 cm wide or less). Labels in any script render:
the figure's font list is DejaVu Sans plus the installed fonts its texts need (lib.fonts),
which matplotlib falls back to glyph by glyph; long labels wrap by their measured width.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from contextlib import contextmanager

from lib import fonts

from .answers import CAPTION, MISSING, OPTIONS, Option, option

FORMATS = ("svg", "png", "pdf")
CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
_DPI = 200


STUDY_LABEL_PT = 170  # the widest a study label's line may be, in points (then it wraps)


@contextmanager
def _fonts_for(texts: Sequence[str]):
    """matplotlib settings whose font list draws every character of `texts`: DejaVu Sans,
    then each installed fallback they need (registered with matplotlib, whose font cache
    may predate the font's installation)."""
    import matplotlib
    from matplotlib import font_manager

    names = [fonts.PRIMARY]
    registered = {f.fname for f in font_manager.fontManager.ttflist}
    for path in fonts.font_files(list(texts)):
        bold = path.replace("-Regular.", "-Bold.")
        for file in (path, bold) if os.path.exists(bold) else (path,):
            if file not in registered:
                font_manager.fontManager.addfont(file)
                registered.add(file)
        known = [f.name for f in font_manager.fontManager.ttflist if f.fname == path]
        names += [name for name in known[:1] if name not in names]
    with matplotlib.rc_context(
        {"font.family": names, "svg.hashsalt": "sift", "svg.fonttype": "none"}
    ):
        yield


def _lines(text: str, points: float, size: float) -> str:
    return "\n".join(fonts.wrap(" ".join(text.split()), points, size))


def _save(figure, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    buffer = io.BytesIO()
    # A fixed hash salt (set with the fonts) and no date: the same answers, the same file.
    metadata = {
        "svg": {"Date": None},
        "png": {"Software": "Sift"},
        "pdf": {"Creator": "Sift", "CreationDate": None},
    }[fmt]
    figure.savefig(buffer, format=fmt, dpi=_DPI, metadata=metadata, bbox_inches="tight")
    return buffer.getvalue()


def _legend_options(rows: Sequence[Sequence[str]], scale: Sequence[str] = ()) -> list[Option]:
    """The answers used, in the scale's order when given (a tool's judgement order)."""
    used = {a for row in rows for a in row}
    order = [*scale, *(c for c in OPTIONS if c not in scale)]
    shown = [OPTIONS[code] for code in order if code in used and code in OPTIONS]
    if "" in used:
        shown.append(MISSING)
    return shown


def traffic_light(
    studies: Sequence[str],
    questions: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[str]],
    *,
    fmt: str = "svg",
    overall: Sequence[str] | None = None,
    x_title: str = "Checklist question",
) -> bytes:
    """`rows[i][j]` is study i's answer code to question j ("" = not answered). `overall`,
    given only when the review pre-specified a rule, adds a grey Overall column of labels."""
    texts = [*studies, *(t for q in questions for t in q), *(overall or []), x_title, CAPTION]
    with _fonts_for(texts):
        return _traffic_light(studies, questions, rows, fmt, overall, x_title)


def rob_traffic_light(
    studies: Sequence[str],
    domains: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[str]],
    *,
    overall: Sequence[str] | None = None,
    scale: Sequence[str] = (),
    fmt: str = "svg",
) -> bytes:
    """robvis's traffic-light plot of risk-of-bias judgements: studies by domains (D1..Dn)
    under "Risk of bias domains", an Overall column on grey, circles in the judgement colours
    with robvis's symbols, the legend titled "Judgement" (in the tool's order) and a caption
    naming the domains. `rows[i][j]` is study i's judgement code for domain j."""
    texts = [*studies, *(t for d in domains for t in d), "Risk of bias domains"]
    with _fonts_for(texts):
        return _traffic_light(studies, domains, rows, fmt, overall, "Risk of bias domains",
                              legend="Judgement", caption="", overall_codes=True, scale=scale)  # fmt: skip


def _traffic_light(studies, questions, rows, fmt, overall, x_title, *, legend="Answer",
                   caption=CAPTION, overall_codes=False, scale=()) -> bytes:  # fmt: skip
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    n_rows, n_cols = len(studies), len(questions)
    extra = 1 if overall is not None else 0
    width = min(6.7, 1.8 + 0.42 * (n_cols + extra))
    labels = [_lines(label, STUDY_LABEL_PT, 8) for label in studies]
    caption_lines = [
        line for code, text in questions
        for line in fonts.wrap(f"{code}: {' '.join(text.split())}", max(width, 4.5) * 72, 7,
                               indent="    ")
    ]  # fmt: skip
    height = 1.2 + 0.3 * max(n_rows, 1) + 0.13 * (len(caption_lines) + 2)
    height += 0.12 * sum(label.count("\n") for label in labels)
    figure = Figure(figsize=(width, height))
    axes = figure.add_axes((0.28, 0.13 * 0 + 0.0, 0.7, 1.0))
    axes.set_xlim(-0.5, n_cols + extra - 0.5)
    axes.set_ylim(max(n_rows, 1) - 0.5, -0.5)
    axes.set_aspect("equal")
    for j in range(n_cols):
        for i in range(n_rows):
            answer = option(rows[i][j] if j < len(rows[i]) else "")
            axes.scatter([j], [i], s=150, color=answer.colour, edgecolors="black", linewidths=0.4)
            if answer.symbol:
                axes.text(j, i, answer.symbol, ha="center", va="center", fontsize=8,
                          fontweight="bold", color="black")  # fmt: skip
    if overall is not None:
        axes.axvspan(n_cols - 0.5, n_cols + 0.5, color="#d3d3d3", zorder=0)
        for i, label in enumerate(overall):
            if overall_codes:  # a judgement: drawn like the domains' (robvis)
                judged = option(label)
                axes.scatter([n_cols], [i], s=150, color=judged.colour, edgecolors="black",
                             linewidths=0.4)  # fmt: skip
                if judged.symbol:
                    axes.text(n_cols, i, judged.symbol, ha="center", va="center", fontsize=8,
                              fontweight="bold", color="black")  # fmt: skip
            else:
                axes.text(n_cols, i, label[:3], ha="center", va="center", fontsize=6)
    axes.set_xticks(range(n_cols + extra))
    axes.set_xticklabels([code for code, _ in questions] + (["Overall"] if extra else []))
    axes.xaxis.tick_top()
    axes.set_xlabel(x_title, fontsize=9)
    axes.xaxis.set_label_position("top")
    axes.set_yticks(range(n_rows))
    axes.set_yticklabels(labels)
    axes.set_ylabel("Study", fontsize=9)
    axes.tick_params(labelsize=8, length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=o.colour,
               markeredgecolor="black", label=o.label)
        for o in _legend_options([*rows, *([overall] if overall_codes and overall else [])],
                                 scale)
    ]  # fmt: skip
    figure.legend(handles=handles, title=legend, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  fontsize=8, title_fontsize=8, frameon=False)  # fmt: skip
    lines = [*caption_lines, "", caption] if caption else caption_lines
    figure.text(0.0, -0.01, "\n".join(lines), ha="left", va="top", fontsize=7)
    return _save(figure, fmt)


def summary_plot(
    questions: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[str]],
    *,
    weights: Sequence[float] | None = None,
    weighting: str = "",
    fmt: str = "svg",
) -> bytes:
    """One horizontal bar per question, the share of studies giving each answer (0-100%),
    the full question text on the y axis, the legend at the bottom; with `weights`, the
    share of the weight (see `rob_summary`)."""
    _check_weights(weights, rows)
    with _fonts_for([t for q in questions for t in q] + [CAPTION, weighting]):
        return _summary_plot(questions, rows, fmt, weights=weights, weighting=weighting)


def _check_weights(weights: Sequence[float] | None, rows: Sequence) -> None:
    if weights is None:
        return
    if len(weights) != len(rows) or any(not 0 <= w < float("inf") for w in weights):
        raise ValueError("one weight (0 or more) per study")
    if rows and not sum(weights) > 0:
        raise ValueError("the weights add up to 0: nothing to share out")


def rob_summary(
    domains: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[str]],
    *,
    overall: Sequence[str] | None = None,
    weights: Sequence[float] | None = None,
    weighting: str = "",
    scale: Sequence[str] = (),
    fmt: str = "svg",
) -> bytes:
    """robvis's summary plot: one 100%-stacked bar per domain (its full name), "Overall risk
    of bias" in bold at the bottom, the legend ("Judgement", the tool's order) underneath.
    With `weights` (one per study, e.g. meta-analysis weights) each study counts by its
    weight, as robvis's weighted summary: the bars are proportions of information.
    `weighting` says which weighting the figure shows (under the axis)."""
    _check_weights(weights, rows)
    labels, table = rob_summary_table(domains, rows, overall)
    with _fonts_for([t for d in labels for t in d] + [weighting]):
        return _summary_plot(labels, table, fmt, legend="Judgement", caption="",
                             weights=weights, weighting=weighting, scale=scale,
                             bold_last=overall is not None)  # fmt: skip


def rob_summary_table(
    domains: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[str]],
    overall: Sequence[str] | None = None,
) -> tuple[list[tuple[str, str]], list[list[str]]]:
    """The summary plot's bars (domains, then "Overall risk of bias") and each study's
    judgements in that order: `shares(table, len(labels), weights)` is what it draws."""
    labels = [(code, name) for code, name in domains]
    table = [list(r) for r in rows]
    if overall is not None:
        labels.append(("", "Overall risk of bias"))
        table = [[*r, o] for r, o in zip(table, overall, strict=True)]
    return labels, table


def shares(
    rows: Sequence[Sequence[str]], columns: int, weights: Sequence[float] | None = None
) -> list[dict[str, float]]:
    """Per column, the share (0-1) of studies giving each answer ("" = none), each study
    counting 1 or, weighted, its weight (robvis's weighted summary)."""
    weight = list(weights) if weights is not None else [1.0] * len(rows)
    total = sum(weight) or 1
    result: list[dict[str, float]] = [{} for _ in range(columns)]
    for row, w in zip(rows, weight, strict=True):
        for j in range(columns):
            code = row[j] if j < len(row) else ""
            result[j][code] = result[j].get(code, 0.0) + w / total
    return result


def _summary_plot(questions, rows, fmt, *, legend="Answer", caption=CAPTION, weights=None,
                  weighting="", scale=(), bold_last=False) -> bytes:  # fmt: skip
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    labels = [_lines(f"{code}: {text}" if code else text, 250, 7) for code, text in questions]
    heights = [label.count("\n") + 1 for label in labels]
    figure = Figure(figsize=(6.7, 1.2 + 0.22 * sum(heights) + 0.12 * len(questions)))
    axes = figure.add_subplot()
    shown = _legend_options(rows, scale)
    bars = shares(rows, len(questions), weights)
    lefts = [0.0] * len(questions)
    for opt in shown:
        widths = [bar.get(opt.code, 0.0) for bar in bars]
        axes.barh(range(len(questions)), widths, left=lefts, color=opt.colour,
                  edgecolor="black", linewidth=0.4, label=opt.label, height=0.7)  # fmt: skip
        lefts = [a + b for a, b in zip(lefts, widths, strict=True)]
    axes.set_yticks(range(len(questions)))
    axes.set_yticklabels(labels, fontsize=7)
    if bold_last:
        axes.get_yticklabels()[-1].set_fontweight("bold")
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0))
    axes.tick_params(labelsize=8)
    if not weighting:
        weighting = "Weighted" if weights is not None else "Unweighted: each study counts equally"
    counted = f"Studies (n = {len(rows)}). {weighting.rstrip('.')}."
    axes.set_xlabel("\n".join(line for line in (counted, caption) if line), fontsize=8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if shown:
        figure.legend(loc="lower center", ncols=len(shown), fontsize=8, frameon=False,
                      title=legend, title_fontsize=8, bbox_to_anchor=(0.5, -0.08))  # fmt: skip
    figure.tight_layout()
    return _save(figure, fmt)
