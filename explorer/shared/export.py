"""Export of figures (HTML always; PNG/SVG through Plotly's exporter when Chromium is present) and
of the data behind them as CSV that spreadsheets open safely."""

from __future__ import annotations

import io
import os
import shutil
import threading
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine.data.datasets import Dataset

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def figure_html(fig: go.Figure) -> bytes:
    """A standalone HTML page with the interactive figure; plotly.js is inlined so it works offline."""
    html = fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False})
    return html.encode("utf-8")


@lru_cache(maxsize=1)
def image_export_problem() -> str | None:
    """None when PNG/SVG export can run, else a sentence saying why not and what to install."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return "PNG/SVG export needs the 'kaleido' package: pip install kaleido."
    if os.environ.get("BROWSER_PATH") or any(shutil.which(n) for n in BROWSER_NAMES):
        return None
    return (
        "PNG/SVG export needs Chromium or Chrome on this machine (for example "
        "'apt-get install chromium'); interactive HTML export works without it."
    )


def figure_image(fig: go.Figure, fmt: str = "png", scale: float = 2.0) -> bytes:
    """The figure as PNG or SVG bytes. Raises ValueError when no browser is available to render it."""
    problem = image_export_problem()
    if problem:
        raise ValueError(problem)
    if fmt not in ("png", "svg"):
        raise ValueError(f"Unknown image format {fmt!r}: choose png or svg.")
    width = fig.layout.width or 1000
    height = fig.layout.height or 600
    with _EXPORTER:
        _start_exporter()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The kopts argument is ignored", UserWarning)
            return fig.to_image(format=fmt, width=width, height=height, scale=scale)


def figure_frame(fig: go.Figure) -> pd.DataFrame:
    """The data drawn in a figure as one long table: a row per point (x, y and z where present) or
    per grid cell of a heatmap / contour / surface, with the trace's name and its panel."""
    parts = []
    for i, trace in enumerate(fig.data):
        name = trace.name or f"{trace.type} {i + 1}"
        panel = getattr(trace, "xaxis", None) or getattr(trace, "scene", None) or ""
        x, y, z = (getattr(trace, k, None) for k in ("x", "y", "z"))
        z = None if z is None else np.asarray(z, dtype=float)
        if z is not None and z.ndim == 2:
            ny, nx = z.shape
            xs = np.arange(nx) if x is None else np.asarray(x)
            ys = np.arange(ny) if y is None else np.asarray(y)
            if xs.ndim == 2:  # a surface with coordinate grids
                gx, gy = xs, ys
            else:
                gx, gy = np.meshgrid(xs[:nx], ys[:ny])
            cols = {"x": np.ravel(gx), "y": np.ravel(gy), "z": z.ravel()}
        elif x is not None or y is not None:
            cols = {k: np.asarray(v) for k, v in (("x", x), ("y", y), ("z", z)) if v is not None}
            if len({len(v) for v in cols.values()}) != 1:
                continue
        else:
            continue
        n = len(next(iter(cols.values())))
        parts.append(pd.DataFrame({"trace": [name] * n, "panel": [panel] * n, **cols}))
    frame = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["trace", "panel", "x", "y"])
    )
    return frame if frame["panel"].astype(bool).any() else frame.drop(columns="panel")


def figures_zip(shown) -> bytes:
    """A zip of (name, figure, table or None) items: name.html always, name.png when the image
    exporter can run, name.csv when there is a table. Repeated names get a number."""
    import zipfile

    out, seen = io.BytesIO(), {}
    images = image_export_problem() is None
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, fig, table in shown:
            seen[name] = seen.get(name, 0) + 1
            stem = name if seen[name] == 1 else f"{name}_{seen[name]}"
            zf.writestr(f"{stem}.html", figure_html(fig))
            if images:
                try:
                    zf.writestr(f"{stem}.png", figure_image(fig, "png"))
                except Exception as exc:  # noqa: BLE001 - one image failing must not lose the others
                    zf.writestr(f"{stem}.png.txt", f"This figure could not be drawn as PNG: {exc}\n")
            zf.writestr(f"{stem}.csv", csv_bytes(table() if table is not None else figure_frame(fig)))
        if not shown:
            zf.writestr("README.txt", "This page showed no figures when the zip was made.\n")
    return out.getvalue()


GIF_FRAMES = 24  # at most this many frames of an animation go into a GIF
GIF_SCALE = 1.0


def figure_gif(fig: go.Figure, max_frames: int = GIF_FRAMES, ms_per_frame: int = 150) -> bytes:
    """An animated figure's frames (evenly spaced, at most `max_frames`) as a looping GIF, each
    rendered as a still by the image exporter. Raises ValueError without frames or without a browser."""
    from PIL import Image

    if not fig.frames:
        raise ValueError("This figure is not animated: export it as PNG or SVG instead.")
    picks = np.unique(
        np.linspace(0, len(fig.frames) - 1, min(max_frames, len(fig.frames))).round().astype(int)
    )
    still = go.Figure(fig)
    still.frames = []
    still.layout.updatemenus, still.layout.sliders = (), ()
    images = []
    for i in picks:
        frame = fig.frames[i]
        shot = go.Figure(still)
        for k, trace in zip(frame.traces or range(len(frame.data)), frame.data, strict=False):
            shot.data[k].update(trace.to_plotly_json())
        if frame.layout is not None:
            shot.update_layout(frame.layout)
        png = figure_image(shot, "png", scale=GIF_SCALE)
        images.append(Image.open(io.BytesIO(png)).convert("RGB"))
    palette = images[0].quantize(
        colors=255, method=Image.Quantize.FASTOCTREE
    )  # one palette, small areas kept
    images = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0)
    return out.getvalue()


_EXPORTER = threading.Lock()  # one image at a time through the shared browser


@lru_cache(maxsize=1)
def _start_exporter() -> None:
    """Keep one headless browser open for every later image (seconds per image become a fraction
    of a second); it closes when the app exits."""
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)


def _defuse(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with formula-looking text cells (=, +, -, @) defused; numbers stay numbers."""
    safe = frame.copy()
    for col in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[col]):
            safe[col] = safe[col].map(_defuse)
    safe.columns = [_defuse(str(c)) for c in safe.columns]
    return safe.to_csv(index=False).encode("utf-8")


def embedding_frame(data: Dataset, rows: np.ndarray, coords: np.ndarray, method: str) -> pd.DataFrame:
    """The embedded rows: their row number, the method's coordinates, then the original columns."""
    head = pd.DataFrame({"row": rows})
    for j in range(coords.shape[1]):
        head[f"{method}_{j + 1}"] = coords[:, j]
    if data.original is None:
        body = pd.DataFrame(data.X[rows], columns=list(data.feature_names))
    else:
        body = data.original.iloc[rows].reset_index(drop=True)
    body = body.drop(columns=[c for c in head.columns if c in body.columns])
    return pd.concat([head, body], axis=1)


def activations_frame(data: Dataset, result, t: int) -> pd.DataFrame:
    """Every layer's activations of every row at snapshot `t`: row, split, label, then one column
    per unit (`hidden1_3` is unit 3 of the first hidden layer; `output_k` the logit of class k)."""
    n_hidden = len(result.layers) - 1
    split = np.full(data.n_samples, "train", dtype=object)
    split[result.test_index] = "test"
    parts = [pd.DataFrame({"row": np.arange(data.n_samples), "epoch": int(result.epochs[t]), "split": split})]
    if data.y is not None:
        parts[0]["label"] = [data.class_names[k] for k in data.y]
    for i, acts in enumerate(result.layers):
        name = f"hidden{i + 1}" if i < n_hidden else "output"
        parts.append(pd.DataFrame(acts[t], columns=[f"{name}_{j + 1}" for j in range(acts.shape[2])]))
    return pd.concat(parts, axis=1)


def metrics_frame(results) -> pd.DataFrame:
    """One row per model of a boundary comparison: accuracies, F1, ROC AUC, timings, any error."""
    return pd.DataFrame(
        {
            "model": [r.label for r in results],
            "train accuracy": [r.train_acc for r in results],
            "test accuracy": [r.test_acc for r in results],
            "F1 (macro)": [r.f1 for r in results],
            "ROC AUC": [np.nan if r.roc_auc is None else r.roc_auc for r in results],
            "fit (s)": [r.fit_s for r in results],
            "predict (s)": [r.predict_s for r in results],
            "error": [r.error or "" for r in results],
        }
    )
