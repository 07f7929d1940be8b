"""Charts for statements: each KPI against its target over recent months, as SVG text.

Deterministic by construction (a statement is fingerprinted and compared byte for byte):
a fixed ``svg.hashsalt``, no date in the metadata, the Agg backend.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal


def kpi_chart_svg(
    label: str,
    months: Sequence[str],
    values: Sequence[Decimal | None],
    target: Decimal,
    *,
    unit: str = "ratio",
) -> str:
    """A small line chart of one KPI's monthly values with its target as a dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(
        {"svg.hashsalt": "callpact", "svg.fonttype": "none", "font.size": 8}
    ):
        fig, ax = plt.subplots(figsize=(3.4, 1.6))
        xs = list(range(len(months)))
        points = [(x, float(v)) for x, v in zip(xs, values, strict=True) if v is not None]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", color="#1f4e79")
        ax.axhline(float(target), color="#c0392b", linestyle="--", linewidth=1)
        ax.set_xticks(xs, [m[2:] for m in months], rotation=0)
        ax.set_title(label, loc="left")
        if unit == "ratio":
            ax.yaxis.set_major_formatter(lambda y, _: f"{y:.0%}")
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        plt.close(fig)
    text = buffer.getvalue()
    # Drop the XML prologue so the SVG can sit inline in HTML.
    return text[text.index("<svg") :]


def distribution_plot(
    net: Sequence[Decimal], path: str, *, title: str = "Monthly net adjustment"
) -> None:
    """Histogram of simulated monthly net adjustments with P5, mean and P95 marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = np.array([float(v) for v in net])
    with matplotlib.rc_context({"svg.hashsalt": "callpact"}):
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.hist(data, bins=40, color="#1f4e79")
        for q, style in ((5, ":"), (95, ":")):
            ax.axvline(float(np.percentile(data, q)), color="#c0392b", linestyle=style)
        ax.axvline(float(data.mean()), color="#c0392b")
        ax.set_title(title)
        ax.set_xlabel("net adjustment (bonuses + earn-back − credits − liabilities)")
        fig.tight_layout()
        metadata = {"Date": None} if path.endswith(".svg") else {"Software": None}
        fig.savefig(path, metadata=metadata)
        plt.close(fig)
