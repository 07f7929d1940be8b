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
            from matplotlib.ticker import PercentFormatter

            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        plt.close(fig)
    text = buffer.getvalue()
    # Drop the XML prologue so the SVG can sit inline in HTML.
    return text[text.index("<svg") :]


def backtest_plot(
    path: str,
    months: Sequence[str],
    net_by_month: Sequence[Decimal],
    *,
    simulated: Sequence[Decimal] = (),
    mean: Decimal | None = None,
    p5: Decimal | None = None,
    p95: Decimal | None = None,
    chronic_probability: Decimal | None = None,
    currency: str = "",
) -> None:
    """The backtest's monthly net adjustment as bars; with a simulation, a second panel with
    the histogram of simulated monthly net adjustments, P5, mean and P95 marked. PNG or SVG by
    the file's suffix; offline (Agg backend), deterministic SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 2 if simulated else 1
    with matplotlib.rc_context({"svg.hashsalt": "callpact", "font.size": 8}):
        fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 3), squeeze=False)
        ax = axes[0][0]
        values = [float(v) for v in net_by_month]
        colours = ["#1e8449" if v >= 0 else "#a93226" for v in values]
        ax.bar(range(len(months)), values, color=colours)
        ax.axhline(0, color="#333", linewidth=0.6)
        ax.set_xticks(range(len(months)), [m[2:] for m in months], rotation=45)
        ax.set_title("Backtest: net adjustment per month", loc="left")
        ax.set_ylabel(f"{currency} (bonuses − credits − liabilities)".strip())
        if simulated:
            hist = axes[0][1]
            hist.hist([float(v) for v in simulated], bins=40, color="#1f4e79")
            for value, style, name in ((p5, ":", "P5"), (mean, "-", "mean"), (p95, ":", "P95")):
                if value is not None:
                    hist.axvline(float(value), color="#c0392b", linestyle=style, label=name)
            title = "Simulated monthly net adjustment"
            if chronic_probability is not None:
                title += f"\nP(chronic breach within a year) = {float(chronic_probability):.1%}"
            hist.set_title(title, loc="left")
            hist.legend(frameon=False)
        for axis in axes[0]:
            axis.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        metadata = {"Date": None} if path.endswith(".svg") else {"Software": None}
        fig.savefig(path, metadata=metadata)
        plt.close(fig)
