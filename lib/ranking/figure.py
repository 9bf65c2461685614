"""The relevance curve: includes found against records screened, with the line a random
order would follow. matplotlib's Agg backend: no display, no system libraries."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


def relevance_curve(labels: list[int], total: int, *, fmt: str = "svg", title: str = "") -> bytes:
    """`labels`: 1/0 per screened record in screening order; `total`: records to screen.
    Built on a Figure object, not pyplot, so it is safe in threads and keeps no state."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}")
    figure = Figure(figsize=(6.4, 4.0), dpi=100)
    axes = figure.subplots()
    found = np.concatenate([[0], np.cumsum(labels)]) if len(labels) else np.array([0])
    axes.step(np.arange(len(found)), found, where="post", color="#1a7f37", label="Includes found")
    if total and found[-1]:
        # A random order finds includes evenly: these would have taken the whole stage.
        axes.plot([0, total], [0, found[-1]], linestyle=":", color="#888888",
                  label="Random order (at least this slow)")  # fmt: skip
    axes.set_xlim(0, max(total, 1))
    axes.set_ylim(0, max(int(found[-1]) * 1.1, 1))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("Records screened")
    axes.set_ylabel("Includes found")
    if title:
        axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right", frameon=False)
    figure.tight_layout()
    out = io.BytesIO()
    # No date and a fixed id salt: the same curve gives the same bytes.
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": "sift-relevance-curve"}):
        figure.savefig(out, format=fmt, metadata=metadata)
    return out.getvalue()
