"""Charts for reports: spider web (spindelvæv) and trends. Readable in black and white:
each respondent has its own line style and marker shape as well as its own colour."""
from __future__ import annotations

import io
import textwrap

STYLE = {  # respondent -> (Danish name, colour, line style, marker)
    "borger": ("Borger", "#1F4E79", "-", "o"),
    "mentor": ("Mentor", "#C55A11", "--", "s"),
    "konsulent": ("Konsulent", "#548235", ":", "^"),
}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "svg.fonttype": "none"})
    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=160, bbox_inches="tight")
    _plt().close(fig)
    return buf.getvalue()


def spider(labels: list[str], series: dict[str, list[float]], baseline: dict[str, list[float]] | None = None,
           baseline_label: str = "") -> bytes:
    """One closed line per respondent on 0-100 axes; the first round faint for comparison."""
    import math

    plt = _plt()
    n = len(labels)
    angles = [2 * math.pi * i / n for i in range(n)] + [0]
    fig = plt.figure(figsize=(6.2, 4.6))
    ax = fig.add_subplot(111, polar=True)
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_ylim(0, 100)
    ax.set_yticks([20, 40, 60, 80, 100])
    ax.set_yticklabels(["", "", "", "", ""])
    ax.set_xticks(angles[:-1])
    ax.set_xticklabels([textwrap.fill(lb, 18) for lb in labels], fontsize=7.5)
    for who, values in (baseline or {}).items():
        name, colour, _, marker = STYLE[who]
        ax.plot(angles, _closed(values), color="#999999", linewidth=0.9, linestyle="-", marker=marker, markersize=3,
                label=f"{name}, {baseline_label}")
    for who, values in series.items():
        name, colour, ls, marker = STYLE[who]
        ax.plot(angles, _closed(values), color=colour, linewidth=2, linestyle=ls, marker=marker, markersize=5, label=name)
    ax.legend(loc="upper left", bbox_to_anchor=(1.08, 1.05), fontsize=7.5, frameon=False)
    return _png(fig)


def _closed(values: list[float]) -> list[float]:
    # A missing score is drawn at the centre's edge rather than breaking the polygon.
    vals = [0.0 if v != v else v for v in values]  # NaN -> 0
    return vals + vals[:1]


def trends(panels: list[tuple[str, dict[str, list[tuple[int, float]]]]], steps: int, rounds: list[int]) -> bytes:
    """Small multiples: one panel per indicator, 'now' over the rounds, one line per respondent."""
    plt = _plt()
    cols = 3 if len(panels) > 4 else max(1, min(len(panels), 2))
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(7.0, 1.9 * rows + 0.5), squeeze=False, sharey=True)
    for ax, (label, series) in zip(axes.flat, panels):
        for who, points in series.items():
            name, colour, ls, marker = STYLE[who]
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            ax.plot(xs, ys, color=colour, linestyle=ls, marker=marker, markersize=4, linewidth=1.6, label=name)
        ax.set_title(textwrap.fill(label, 30), fontsize=8)
        ax.set_xticks(rounds)
        ax.set_xlim(min(rounds) - 0.3, max(rounds) + 0.3)
        ax.set_ylim(0.5, steps + 0.5)
        ax.set_yticks(sorted({1, (steps + 1) // 2, steps}))
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("Runde", fontsize=7.5)
    handles = {h.get_label(): h for ax in axes.flat for h in ax.get_lines()}
    fig.legend(list(handles.values()), list(handles.keys()), loc="lower center", ncol=3, frameon=False,
               bbox_to_anchor=(0.5, -0.02), fontsize=7.5)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return _png(fig)
