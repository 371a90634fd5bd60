"""Charts for reports: spider web (spindelvæv) and trends. Readable in black and white:
each respondent has its own line style and marker shape as well as its own colour.

Drawing a chart is mostly drawing what every chart of its kind shares: axes, ticks, titles,
legend. That frame is drawn once per layout (the same labels, scale, rounds and respondents) and
kept; each chart then draws only its own lines on a copy of it (blitting) and is encoded as PNG.
The frame is the whole padded tight bounding box, as savefig(bbox_inches="tight") would crop it.
"""
from __future__ import annotations

import textwrap

__all__ = ["STYLE", "DPI", "PAD", "FRAMES", "settings", "spider", "trends"]

STYLE = {  # respondent -> (Danish name, colour, line style, marker)
    "borger": ("Borger", "#1F4E79", "-", "o"),
    "mentor": ("Mentor", "#C55A11", "--", "s"),
    "konsulent": ("Konsulent", "#548235", ":", "^"),
}
DPI = 160
PAD = 0.1  # inches around the tight bounding box (matplotlib's savefig.pad_inches)
FRAMES = 16  # layouts kept per process, the least recently used go first (a trends frame holds up to 10 MB)


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "svg.fonttype": "none"})
    return plt


def settings(rc: dict):
    """A context in which the charts drawn use these matplotlib settings (e.g. {"xtick.major.pad": 18})."""
    return _plt().rc_context(rc)


class _Frame:
    """A figure without its data lines, drawn once at DPI on a canvas grown to its padded tight bbox."""

    def __init__(self, fig):
        self.fig = fig
        fig.set_dpi(DPI)
        canvas = fig.canvas
        box = fig.get_tightbbox(canvas.get_renderer()).padded(PAD)  # inches, measured as savefig does: without drawing
        width, height = fig.get_size_inches()
        for ax in fig.axes:  # move everything so the box becomes the figure
            p = ax.get_position(original=True)
            ax.set_position([(p.x0 * width - box.x0) / box.width, (p.y0 * height - box.y0) / box.height,
                             p.width * width / box.width, p.height * height / box.height], which="both")
        for legend in fig.legends:  # figure legends are anchored in figure fractions
            anchor = legend.get_bbox_to_anchor().transformed(fig.dpi_scale_trans.inverted())  # inches
            legend.set_bbox_to_anchor(((anchor.x0 - box.x0) / box.width, (anchor.y0 - box.y0) / box.height,
                                       anchor.width / box.width, anchor.height / box.height),
                                      transform=fig.transFigure)
        fig.set_size_inches(box.width, box.height)
        fig.set_dpi(DPI)
        self.spines = [(ax, spine) for ax in fig.axes if ax.axison and ax.get_frame_on()
                       for spine in ax.spines.values() if spine.get_visible()]  # the ones Axes.draw draws
        for _, spine in self.spines:  # the frame without spines: they go over each chart's lines
            spine.set_visible(False)
        canvas.draw()
        self.background = canvas.copy_from_bbox(fig.bbox)
        self.lines: dict[tuple, object] = {}  # (axes, plot options, n-th of them) -> Line2D, drawn only by png()
        for _, spine in self.spines:
            spine.set_visible(True)

    def png(self, lines: list[tuple]) -> bytes:
        """The frame with these lines, (axes, x, y, plot options) each, as PNG."""
        import numpy as np

        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        seen: dict[tuple, int] = {}
        for ax, xs, ys, opts in lines:
            key = (ax, tuple(sorted(opts.items())))
            seen[key] = n = seen.get(key, -1) + 1
            line = self.lines.get((key, n))
            if line is None:  # a line of this style is made once per frame, then given each chart's points
                line = self.lines[(key, n)] = ax.plot([], [], **opts)[0]
            line.set_data(xs, ys)
            ax.draw_artist(line)
        for ax, spine in self.spines:  # drawn over the lines, as their zorder (2.5 > 2) has it
            ax.draw_artist(spine)
        return _png(np.asarray(canvas.buffer_rgba()))


def _png(rgba) -> bytes:
    """RGBA pixels as the PNG matplotlib's imsave(format="png", dpi=DPI) writes, encoded faster.

    The same chunks (IHDR, the Software text, pHYs) and, decoded, the same pixels. The rows are
    stored unfiltered and deflated at level 3: Pillow tries five filters on every row, which took
    two thirds of a chart's time, and on these mostly white charts unfiltered rows deflate as well.
    """
    import struct
    import zlib

    import matplotlib
    import numpy as np

    height, width, _ = rgba.shape
    rows = np.empty((height, width * 4 + 1), np.uint8)
    rows[:, 0] = 0  # filter type None
    rows[:, 1:] = rgba.reshape(height, width * 4)
    ppm = int(DPI / 0.0254 + 0.5)  # pixels per metre, as Pillow writes the DPI

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"".join([b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
                     chunk(b"tEXt", f"Software\0Matplotlib version{matplotlib.__version__}, https://matplotlib.org/".encode("latin-1")),
                     chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)), chunk(b"IDAT", zlib.compress(rows.tobytes(), 3)),
                     chunk(b"IEND", b"")])


_FRAMES: dict[tuple, _Frame] = {}


def _frame(key: tuple, build) -> _Frame:
    frame = _FRAMES.pop(key, None)
    if frame is not None:
        _FRAMES[key] = frame  # now the most recently used
    else:
        if len(_FRAMES) >= FRAMES:
            _plt().close(_FRAMES.pop(next(iter(_FRAMES))).fig)
        frame = _FRAMES[key] = _Frame(build())
    return frame


def _proxy(label: str, **opts):
    """A legend entry drawn exactly like the line it stands for."""
    from matplotlib.lines import Line2D

    return Line2D([], [], label=label, **opts)


def spider(labels: list[str], series: dict[str, list[float]], baseline: dict[str, list[float]] | None = None,
           baseline_label: str = "") -> bytes:
    """One closed line per respondent on 0-100 axes; the first round faint for comparison."""
    import math

    n = len(labels)
    angles = [2 * math.pi * i / n for i in range(n)] + [0]
    baseline = baseline or {}
    faint = {who: dict(color="#999999", linewidth=0.9, linestyle="-", marker=STYLE[who][3], markersize=3)
             for who in baseline}
    strong = {who: dict(color=STYLE[who][1], linewidth=2, linestyle=STYLE[who][2], marker=STYLE[who][3],
                        markersize=5) for who in series}

    def build():
        plt = _plt()
        fig = plt.figure(figsize=(6.2, 4.6))
        ax = fig.add_subplot(111, polar=True)
        ax.set_theta_offset(math.pi / 2)
        ax.set_theta_direction(-1)
        ax.set_ylim(0, 100)
        ax.set_yticks([20, 40, 60, 80, 100])
        ax.set_yticklabels(["", "", "", "", ""])
        ax.set_xticks(angles[:-1])
        ax.set_xticklabels([textwrap.fill(lb, 18) for lb in labels], fontsize=7.5)
        # Labels start just outside the rim and grow away from it, so they never cover a top score.
        ax.tick_params(axis="x", pad=1)
        for label, angle in zip(ax.get_xticklabels(), angles):
            x, y = math.sin(angle), math.cos(angle)
            label.set_horizontalalignment("left" if x > 0.05 else "right" if x < -0.05 else "center")
            label.set_verticalalignment("bottom" if y > 0.7 else "top" if y < -0.7 else "center")
        # Below the web (beside it, the chart came out a third smaller): a column per respondent, the
        # current round's line over the first round's. The legend fills column by column.
        whos = [who for who in STYLE if who in strong or who in faint]
        rows = [(styles, suffix) for styles, suffix in ((strong, ""), (faint, f", {baseline_label}")) if styles]
        handles = [_proxy(STYLE[who][0] + suffix, **styles[who]) if who in styles else _proxy("", linestyle="none")
                   for who in whos for styles, suffix in rows]
        renderer = fig.canvas.get_renderer()
        box, labelled = ax.get_window_extent(renderer), ax.get_tightbbox(renderer)  # the web, the web with labels
        ax.legend(handles=handles, loc="upper center", fontsize=7.5, frameon=False, ncol=max(1, len(whos)),
                  bbox_to_anchor=(0.5, (labelled.y0 - box.y0) / box.height - 0.02), columnspacing=1.5)
        return fig

    frame = _frame(("spider", tuple(labels), tuple(series), tuple(baseline), baseline_label), build)
    ax = frame.fig.axes[0]
    lines = [(ax, angles, _closed(values), faint[who]) for who, values in baseline.items()]
    lines += [(ax, angles, _closed(values), strong[who]) for who, values in series.items()]
    return frame.png(lines)


def _closed(values: list[float]) -> list[float]:
    # A missing score is drawn at the centre's edge rather than breaking the polygon.
    vals = [0.0 if v != v else v for v in values]  # NaN -> 0
    return vals + vals[:1]


def trends(panels: list[tuple[str, dict[str, list[tuple[int, float]]]]], steps: int, rounds: list[int]) -> bytes:
    """Small multiples: one panel per indicator, 'now' over the rounds, one line per respondent."""
    def opts(who: str) -> dict:
        _, colour, ls, marker = STYLE[who]
        return dict(color=colour, linestyle=ls, marker=marker, markersize=4, linewidth=1.6)

    order = list(dict.fromkeys(who for _, series in panels for who in series))  # legend: first appearance

    def build():
        plt = _plt()
        cols = 3 if len(panels) > 4 else max(1, min(len(panels), 2))
        rows = (len(panels) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(7.0, 1.9 * rows + 0.5), squeeze=False, sharey=True)
        for ax, (label, _) in zip(axes.flat, panels):
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
        handles = [_proxy(STYLE[who][0], **opts(who)) for who in order]
        fig.legend(handles, [h.get_label() for h in handles], loc="lower center", ncol=3, frameon=False,
                   bbox_to_anchor=(0.5, -0.02), fontsize=7.5)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        return fig

    frame = _frame(("trends", tuple(label for label, _ in panels), steps, tuple(rounds), tuple(order)), build)
    lines = []
    for ax, (_, series) in zip(frame.fig.axes, panels):
        for who, points in series.items():
            lines.append((ax, [p[0] for p in points], [p[1] for p in points], dict(opts(who), label=STYLE[who][0])))
    return frame.png(lines)
