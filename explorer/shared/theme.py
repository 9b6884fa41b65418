"""Colours and layout defaults: the one source every figure draws from.

Presentation mode (for projectors) is set per script run with `presenting(True)`: larger text,
larger markers, thicker lines and a high-contrast template in every figure built in that run.
"""

from __future__ import annotations

import threading

# Okabe-Ito, safe for the common colour-vision deficiencies, then Carto's "Safe" set for more classes.
CLASS_COLORS: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288", "#AA4499", "#44AA99", "#999933",
    "#882255", "#661100", "#6699CC", "#888888",
)  # fmt: skip
CONTINUOUS_SCALE = "Viridis"
UNLABELLED_COLOR = "#4C72B0"
FONT_FAMILY = "Inter, Helvetica, Arial, sans-serif"


_RUN = threading.local()  # each session's script runs in its own thread
PRESENTATION_SCALE = 1.5  # text and marker size factor on a projector


def presenting(on: bool | None = None) -> bool:
    """Whether figures are built for a projector in this run; `on` sets it."""
    if on is not None:
        _RUN.presenting = bool(on)
    return getattr(_RUN, "presenting", False)


def scale() -> float:
    """Size factor for text, markers and lines: 1 normally, larger in presentation mode."""
    return PRESENTATION_SCALE if presenting() else 1.0


def class_color(i: int) -> str:
    """Colour of class `i`; cycles past the palette's length."""
    return CLASS_COLORS[i % len(CLASS_COLORS)]


def base_layout(title: str = "", height: int = 460) -> dict:
    """Layout defaults shared by every figure (larger and higher-contrast in presentation mode)."""
    k = scale()
    layout = {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": round(15 * k)}},
        "template": "simple_white" if presenting() else "plotly_white",
        "font": {"family": FONT_FAMILY, "size": round(13 * k), "color": "#000000" if presenting() else None},
        "height": round(height * (1.15 if presenting() else 1.0)),
        "margin": {"l": 10, "r": 10, "t": round(44 * k), "b": 10},
        "legend": {"itemsizing": "constant", "bgcolor": "rgba(255,255,255,0.7)"},
        "uirevision": "keep",  # keep zoom and camera across reruns
    }
    if layout["font"]["color"] is None:
        del layout["font"]["color"]
    return layout


def play_controls(
    names: list[str], labels: list[str], prefix: str, frame_ms: int, redraw: bool, y: float = -0.1
) -> dict:
    """Layout for an animation: Play / Pause / Reset buttons and a slider over the frames `names`
    (shown as `labels`), opening on the last frame. Pass to `fig.update_layout(**...)`."""
    play = {
        "frame": {"duration": frame_ms, "redraw": redraw},
        "transition": {"duration": 0},
        "fromcurrent": True,
    }
    still = {"frame": {"duration": 0, "redraw": redraw}, "mode": "immediate", "transition": {"duration": 0}}
    buttons = [
        {"label": "▶ Play", "method": "animate", "args": [None, play]},
        {"label": "Pause", "method": "animate", "args": [[None], still]},
        {"label": "Reset", "method": "animate", "args": [[names[0]], still]},
    ]
    return {
        "updatemenus": [{"type": "buttons", "direction": "left", "x": 0, "y": y, "xanchor": "left", "yanchor": "top",
                         "showactive": False, "pad": {"t": 30}, "buttons": buttons}],
        "sliders": [{"x": 0.24, "y": y, "len": 0.76, "yanchor": "top", "active": len(names) - 1,
                     "currentvalue": {"prefix": f"{prefix} ", "xanchor": "right"},
                     "steps": [{"label": lab, "method": "animate", "args": [[n], still]}
                               for lab, n in zip(labels, names, strict=True)]}],
    }  # fmt: skip
