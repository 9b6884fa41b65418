"""Export: HTML, CSV (formula-safe, original columns kept) and PNG/SVG where Chromium exists."""

import io

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from engine.data.datasets import Dataset, DatasetConfig, make_dataset
from explorer.inspector import figures as inspector_figures
from explorer.shared import export, figures


def test_html_is_standalone_with_the_plot():
    d = make_dataset(DatasetConfig(n_samples=50))
    html = export.figure_html(figures.scatter_figure(d.X, d)).decode()
    assert "<html" in html[:100] and "plotly" in html.lower() and "Plotly.newPlot" in html
    assert '<script src="http' not in html and len(html) > 1_000_000, (
        "plotly.js is inlined, so it works offline"
    )


def test_csv_defuses_formulas_but_keeps_numbers():
    frame = pd.DataFrame(
        {
            "a": ["=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "ok", "-x"],
            "b": [-1.5, 2.0, 3.0, 4.0, -5.0],
            "=c": [1, 2, 3, 4, 5],
        }
    )
    back = pd.read_csv(io.BytesIO(export.csv_bytes(frame)))
    assert list(back["a"]) == ["'=cmd|' /C calc'!A0", "'+1", "'@SUM(A1)", "ok", "'-x"]
    assert list(back["b"]) == [-1.5, 2.0, 3.0, 4.0, -5.0]
    assert list(back.columns) == ["a", "b", "'=c"]


def test_embedding_frame_has_rows_coordinates_and_original_columns():
    d = make_dataset(DatasetConfig(name="iris"))
    rows = np.array([3, 10, 99])
    coords = np.arange(6, dtype=float).reshape(3, 2)
    out = export.embedding_frame(d, rows, coords, "pca")
    assert list(out.columns[:3]) == ["row", "pca_1", "pca_2"]
    assert list(out["row"]) == [3, 10, 99]
    assert list(out["label"]) == [d.class_names[d.y[r]] for r in rows]
    np.testing.assert_array_equal(out[d.feature_names[0]], d.X[rows, 0])


def test_embedding_frame_without_original_uses_features():
    d = Dataset(np.eye(3), None, ("a", "b", "c"), (), "eye")
    out = export.embedding_frame(d, np.arange(3), np.zeros((3, 3)), "umap")
    assert list(out.columns) == ["row", "umap_1", "umap_2", "umap_3", "a", "b", "c"]


@pytest.mark.skipif(export.image_export_problem() is not None, reason="no Chromium for image export")
def test_png_and_svg_export():
    d = make_dataset(DatasetConfig(n_samples=30))
    fig = figures.scatter_figure(d.X, d)
    assert export.figure_image(fig, "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in export.figure_image(fig, "svg")[:200]


def test_image_export_explains_a_missing_browser(monkeypatch):
    export.image_export_problem.cache_clear()
    monkeypatch.setattr(export.shutil, "which", lambda name: None)
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    try:
        problem = export.image_export_problem()
        assert problem and "Chromium" in problem
        with pytest.raises(ValueError, match="Chromium"):
            export.figure_image(inspector_figures.quality_figure(["a"], {"s": [1.0]}))
    finally:
        export.image_export_problem.cache_clear()


@pytest.mark.skipif(export.image_export_problem() is not None, reason="needs Chromium for image export")
def test_an_animation_exports_as_a_gif_that_decodes_with_its_colours():
    from PIL import Image

    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], line={"color": "#0072B2", "width": 12}))
    fig.update_layout(width=300, height=200, xaxis={"range": [0, 3]}, yaxis={"range": [0, 3]},
                      updatemenus=[{"type": "buttons", "buttons": [{"label": "Play", "method": "animate"}]}])  # fmt: skip
    fig.frames = [go.Frame(data=[go.Scatter(x=[0, k], y=[0, k])], traces=[0], name=str(k)) for k in (1, 2, 3)]
    gif = Image.open(io.BytesIO(export.figure_gif(fig, ms_per_frame=100)))
    assert gif.format == "GIF" and gif.n_frames == 3 and gif.info["duration"] == 100
    colours = set()
    for k in range(3):
        gif.seek(k)
        colours |= {c for _, c in gif.convert("RGB").getcolors(maxcolors=100_000)}
    near = [c for c in colours if max(abs(a - b) for a, b in zip(c, (0, 114, 178), strict=True)) <= 3]
    assert near, "the line keeps its colour through the shared palette"
    with pytest.raises(ValueError, match="not animated"):
        export.figure_gif(go.Figure())


def test_every_figure_gives_the_data_it_draws_as_a_table():
    from explorer.boundaries.figures import confusion_figure

    d = make_dataset(DatasetConfig(name="blobs", n_samples=60, n_classes=3))
    scatter = figures.scatter_figure(d.X, d, title="t")
    frame = export.figure_frame(scatter)
    assert len(frame) == 60 and set(frame["trace"]) == set(d.class_names)
    np.testing.assert_array_equal(np.sort(frame["x"].to_numpy()), np.sort(d.X[:, 0]))
    heat = go.Figure(go.Heatmap(x=[0, 1, 2], y=[10, 20], z=[[1, 2, 3], [4, 5, 6]], name="h"))
    cells = export.figure_frame(heat)
    assert cells[["x", "y", "z"]].values.tolist() == [
        [0, 10, 1],
        [1, 10, 2],
        [2, 10, 3],
        [0, 20, 4],
        [1, 20, 5],
        [2, 20, 6],
    ]
    conf = export.figure_frame(confusion_figure([np.eye(2, dtype=int)] * 2, ["a", "b"], ["p", "q"]))
    assert len(conf) == 8 and set(conf["panel"]) == {"x", "x2"}
