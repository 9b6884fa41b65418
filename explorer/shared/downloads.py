"""Download controls shared by every page: a figure as HTML/PNG/SVG, a table as CSV, and every
figure of the page at once as a zip.

File contents are produced only when the user clicks (deferred download data), never on rerun.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from explorer.shared import export, theme

MIME = {
    "html": "text/html",
    "png": "image/png",
    "svg": "image/svg+xml",
    "csv": "text/csv",
    "gif": "image/gif",
}


def figure_buttons(
    fig: go.Figure | Callable[[], go.Figure],
    name: str,
    key: str,
    table: Callable[[], pd.DataFrame] | None = None,
) -> None:
    """HTML, PNG and SVG of `fig` and the data behind it as CSV (`table`, or else what the figure
    draws), side by side.
    `fig` may be a function that builds the figure: it then runs only when a button is clicked."""
    problem = export.image_export_problem()
    if callable(fig):  # built later, in another thread: carry this run's presentation setting there
        on, make = theme.presenting(), fig

        def build() -> go.Figure:
            theme.presenting(on)
            return make()
    else:
        build = lambda: fig  # noqa: E731
    makers: list[tuple[str, Callable[[], bytes], str | None]] = [
        ("html", lambda: export.figure_html(build()), None)
    ]
    makers += [(f, lambda f=f: export.figure_image(build(), f), problem) for f in ("png", "svg")]
    if not callable(fig) and fig.frames:
        makers.append(("gif", lambda: export.figure_gif(fig), problem))
    if table is None:  # the data drawn, straight from the figure
        table = lambda: export.figure_frame(build())  # noqa: E731
    makers.append(("csv", lambda: export.csv_bytes(table()), None))
    for col, (fmt, make, off) in zip(st.columns(len(makers)), makers, strict=True):
        col.download_button(fmt.upper(), make, f"{name}.{fmt}", MIME[fmt], key=f"{key}_{fmt}",
                            disabled=off is not None, help=off, on_click="ignore")  # fmt: skip


Shown = list[tuple[str, go.Figure, Callable[[], pd.DataFrame] | None]]
_RUN = threading.local()  # each session's script runs in its own thread


def export_all_button(page_name: str) -> None:
    """A sidebar button for a zip of every figure the page shows in this run (HTML, PNG when
    possible, and the data behind each as CSV). Drawn before the page; filled as charts are shown."""
    shown: Shown = []
    _RUN.shown = shown
    st.sidebar.download_button(
        "Export all figures (zip)", lambda: export.figures_zip(shown), f"{page_name or 'home'}_figures.zip",
        "application/zip", key="g_export_all", on_click="ignore", icon=":material/folder_zip:",
        width="stretch", help="Every figure of this page as interactive HTML (and PNG where Chromium is "
        "installed), with the data behind it as CSV.",
    )  # fmt: skip


def chart(
    fig: go.Figure,
    name: str,
    key: str,
    table: Callable[[], pd.DataFrame] | None = None,
    beside: Callable[[], None] | None = None,
    **kwargs,
) -> object:
    """Show a figure with an Export popover under it (and whatever `beside` draws next to it); returns
    what `st.plotly_chart` returns (the selection, when `on_select` is passed)."""
    event = st.plotly_chart(fig, key=key, config={"displaylogo": False}, **kwargs)
    shown = getattr(_RUN, "shown", None)
    if shown is not None:
        shown.append((name, fig, table))
    with st.container(horizontal=True):
        with st.popover("Export", icon=":material/download:", key=f"{key}_export"):
            figure_buttons(fig, name, f"{key}_dl", table)
        if beside:
            beside()
    return event
