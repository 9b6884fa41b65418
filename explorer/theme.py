"""Colours and layout defaults: the one source every figure draws from."""

from __future__ import annotations

# Okabe-Ito, safe for the common colour-vision deficiencies, then Carto's "Safe" set for more classes.
CLASS_COLORS: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288", "#AA4499", "#44AA99", "#999933",
    "#882255", "#661100", "#6699CC", "#888888",
)  # fmt: skip
CONTINUOUS_SCALE = "Viridis"
UNLABELLED_COLOR = "#4C72B0"
SELECTED_COLOR = "#D62728"
FONT_FAMILY = "Inter, Helvetica, Arial, sans-serif"


def class_color(i: int) -> str:
    """Colour of class `i`; cycles past the palette's length."""
    return CLASS_COLORS[i % len(CLASS_COLORS)]


def base_layout(title: str = "", height: int = 460) -> dict:
    """Layout defaults shared by every figure."""
    return {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        "template": "plotly_white",
        "font": {"family": FONT_FAMILY, "size": 13},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 44, "b": 10},
        "legend": {"itemsizing": "constant", "bgcolor": "rgba(255,255,255,0.7)"},
        "uirevision": "keep",  # keep zoom and camera across reruns
    }
