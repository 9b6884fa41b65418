"""Sidebar control groups that turn widgets into frozen config dataclasses, and URL sync.

Every widget's key is `<page prefix>_<param key>`; its initial value comes from the URL (through
`explorer.shared.url_state`) or the table's default, and the page writes its state back to the URL after
its controls are drawn, so a copied link reproduces the view.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

import streamlit as st

from engine.data.datasets import BUNDLED, GENERATORS, LIMITS, Dataset, DatasetConfig, list_samples
from engine.data.formats import EXTENSIONS, MAX_UPLOAD_MB, check_upload_size
from engine.data.options import LIMITS as TABLE_LIMITS
from engine.data.options import MISSING, TableOptions
from engine.data.source import DataSource
from explorer.shared import cache
from explorer.shared.cache import digest
from explorer.shared.url_state import Param, parse, serialize
from explorer.shared.warmup import warm

if TYPE_CHECKING:
    from engine.data.options import Table

NO_LABEL = "(none)"

DEVICE_OPTIONS = ("auto", "cpu")
SEED_MAX = 2**31 - 1
GLOBAL = (
    Param("seed", 0, bounds=(0, SEED_MAX)),
    Param("device", "auto", choices=DEVICE_OPTIONS),
    Param("present", False),
)
HIDE = Param("hide", ())  # presentation mode: widget keys hidden from students (every page's table has it)
SAFE_KEY = re.compile(r"^[a-z][A-Za-z0-9_]{0,60}$")  # what a hidden key may look like before it reaches CSS


def snap_to_options(key: str, options: Sequence[float], default: float) -> None:
    """Put `st.session_state[key]` (from a link, or the default) on the nearest of `options`: a
    select_slider accepts no other value."""
    value = float(st.session_state.get(key, default))
    st.session_state[key] = min(options, key=lambda o: abs(o - value))


def source_choices() -> dict[str, str]:
    """Data-source key -> label: generators, bundled sets, shipped samples, then an upload."""
    out = {name: spec.label for name, spec in GENERATORS.items()}
    out |= BUNDLED
    out |= {f"sample:{stem}": f"Sample CSV: {stem}.csv" for stem in list_samples()}
    out["upload"] = "Upload a table…"
    return out


def data_params(
    default: str, n_samples: int = DatasetConfig.n_samples, noise: float = DatasetConfig.noise
) -> tuple[Param, ...]:
    """The URL table of a data source; pages add their own parameters after these. Every bound is
    the engine's (`engine.data.datasets.LIMITS`, `engine.data.options.LIMITS`)."""
    table = TableOptions()
    return (
        Param("data", default, choices=tuple(source_choices())),
        Param("n", n_samples, bounds=LIMITS["n_samples"]),
        Param("noise", noise, bounds=LIMITS["noise"]),
        Param("classes", 3, bounds=LIMITS["n_classes"]),
        Param("label", ""),
        Param("missing", table.missing, choices=MISSING),
        Param("maxrows", table.max_rows, bounds=TABLE_LIMITS["max_rows"]),
    )


def page_start(title: str, page_key: str, prefix: str, table: Sequence[Param]) -> int:
    """A page's title, its one-click starting points, and its state from the URL; the seed."""
    from explorer.nav import page
    from explorer.scenarios import for_page

    st.title(title)
    scenarios = for_page(page_key)
    if scenarios:
        with st.expander("Starting points"):
            for sc in scenarios:
                st.page_link(
                    page(page_key), label=sc.title, icon=":material/play_circle:", query_params=sc.query
                )
                st.caption(sc.notice)
    sync_from_url(prefix, table)
    return int(st.session_state.get("seed", 0))


def sync_from_url(prefix: str, table: Sequence[Param]) -> None:
    """Seed the page's widget state from the URL, or from what the page last wrote there.

    A link opened or clicked (a query that differs from the page's own) overrides the widgets and
    warns about bad values; coming back to the page restores its last state; otherwise the
    widgets keep what the user set.
    """
    table = _with_hide(prefix, table)
    last = st.session_state.get(f"_{prefix}_url")
    query = {k: v for k, v in st.query_params.to_dict().items() if k in {p.key for p in table}}
    external = last is None or (query and query != last)
    values, notes = parse(query if external else last, table)
    for key, value in values.items():
        value = list(value) if isinstance(value, tuple) else value
        if external:
            st.session_state[f"{prefix}_{key}"] = value
        else:
            st.session_state.setdefault(f"{prefix}_{key}", value)
    if external:
        st.session_state[f"_{prefix}_url"] = query
        st.session_state[f"_{prefix}_link_upload"] = query.get("data") == "upload"
        for note in notes:
            st.toast(f"Link: {note}", icon="⚠️")


def _with_hide(prefix: str, table: Sequence[Param]) -> tuple[Param, ...]:
    return tuple(table) if prefix == "g" else (*table, HIDE)


def sync_to_url(prefix: str, table: Sequence[Param]) -> None:
    """Write the page's current widget values to the URL (non-defaults only); on a page, also offer
    the link and, in presentation mode, the choice of controls to hide."""
    if prefix != "g":
        presentation_controls(prefix, table)
    table = _with_hide(prefix, table)
    values = {}
    for p in table:
        value = st.session_state.get(f"{prefix}_{p.key}", p.default)
        values[p.key] = tuple(value) if isinstance(p.default, tuple) else value
    query = serialize(values, table)
    st.session_state[f"_{prefix}_url"] = query
    for key in list(st.query_params):
        if key not in query and key in {p.key for p in table}:
            del st.query_params[key]
    st.query_params.update(query)
    if prefix != "g":
        share_link()


def presentation_controls(prefix: str, table: Sequence[Param]) -> None:
    """In presentation mode: pick controls to hide (kept in the link) and hide them with CSS."""
    key = f"{prefix}_hide"
    if not st.session_state.get("g_present"):
        return
    options = [f"{prefix}_{p.key}" for p in table]
    st.session_state[key] = [k for k in st.session_state.get(key, []) if k in options]
    hidden = st.sidebar.multiselect(
        "Hide these controls", options, key=key, format_func=_without_prefix,
        help="For a class: the link keeps the choice, so students see only what you left.",
    )  # fmt: skip
    safe = [k for k in hidden if SAFE_KEY.match(k)]  # a control drawn under its own key, or as `<key>_w`
    rules = " ".join(f".st-key-{k}, .st-key-{k}_w {{display: none !important;}}" for k in safe)
    if rules:
        st.html(f"<style>{rules}</style>")


def _without_prefix(key: str) -> str:
    """'db_models' -> 'models' (a module-level function: session state must stay picklable)."""
    return key.split("_", 1)[1]


def share_link() -> None:
    """A sidebar popover with this view's link (page, controls, seed), ready to copy."""
    from urllib.parse import urlencode, urlsplit

    parts = urlsplit(st.context.url or "http://localhost:8501/")
    query = urlencode(st.query_params.to_dict())
    url = f"{parts.scheme}://{parts.netloc}/{st.session_state.get('_page', '')}" + (
        f"?{query}" if query else ""
    )
    with st.sidebar.popover("Share this view", icon=":material/link:", width="stretch"):
        st.caption(
            "This link reopens the page with the same data, settings and seed (copy button at its right)."
        )
        st.code(url, language=None, wrap_lines=True)


def global_controls() -> tuple[int, str]:
    """The sidebar's seed and device request, shared by every page."""
    sync_from_url("g", GLOBAL)
    seed = st.sidebar.number_input("Seed", min_value=0, max_value=SEED_MAX, step=1, key="g_seed")
    device = st.sidebar.selectbox(
        "Compute device", DEVICE_OPTIONS, key="g_device",
        help="'auto' uses a CUDA or Apple GPU when there is one; 'cpu' forces the processor.",
    )  # fmt: skip
    present = st.sidebar.toggle(
        "Presentation mode", key="g_present",
        help="For a projector: larger text and markers, high contrast, and controls you choose hidden.",
    )  # fmt: skip
    if present:
        st.html("<style>html {font-size: 20px;}</style>")
    sync_to_url("g", GLOBAL)
    return int(seed), str(device)


def generator_config(prefix: str, name: str, seed: int) -> DatasetConfig:
    """Controls of a generated dataset (size, noise, classes) -> its config."""
    spec = GENERATORS[name]
    lo, hi = LIMITS["n_samples"]
    n = st.sidebar.slider("Points", lo, hi, step=10, key=f"{prefix}_n")
    noise = st.sidebar.slider("Noise", *LIMITS["noise"], step=0.01, key=f"{prefix}_noise")
    k = spec.classes[0]
    if spec.classes[1] > spec.classes[0]:
        state_key = f"{prefix}_classes"
        current = st.session_state.get(state_key, spec.classes[0])
        st.session_state[state_key] = min(max(int(current), spec.classes[0]), spec.classes[1])
        k = st.sidebar.slider("Classes", spec.classes[0], spec.classes[1], key=state_key)
    return DatasetConfig(name=name, n_samples=int(n), noise=float(noise), n_classes=int(k), seed=seed)


def data_source(prefix: str, seed: int) -> tuple[Dataset, DataSource] | None:
    """Sidebar data picker -> (dataset, where it came from), or None while waiting for an upload.

    The `DataSource` is the data's cache key in every view and what its Python script loads.

    Raises ValueError (with the engine's message) when the chosen data cannot be used.
    """
    choices = source_choices()
    key = st.sidebar.selectbox("Dataset", list(choices), format_func=choices.get, key=f"{prefix}_data")
    if key != "upload":
        st.session_state[f"_{prefix}_link_upload"] = False  # the user chose; a later upload is theirs
    if key in GENERATORS or key in BUNDLED:
        cfg = generator_config(prefix, key, seed) if key in GENERATORS else DatasetConfig(name=key)
        return cache.dataset(cfg), DataSource.of_config(cfg)
    of: Callable[[TableOptions], DataSource]  # the source, once its table options are chosen
    if key.startswith("sample:"):
        stem = key.removeprefix("sample:")
        table, of = cache.sample_table(stem), partial(DataSource.of_sample, stem)
    else:
        upload = st.sidebar.file_uploader(
            "Table file", type=list(EXTENSIONS), key=f"{prefix}_upload", max_upload_size=MAX_UPLOAD_MB,
            help=f"CSV (comma, semicolon or tab separated, a header row), also as .csv.gz or .zip; Parquet, "
                 f"Feather or Excel .xlsx (its first sheet). Up to {MAX_UPLOAD_MB:,} MB.",
        )  # fmt: skip
        if upload is None and st.session_state.get(f"_{prefix}_link_upload"):
            stem = next(iter(list_samples()))
            st.info(f"This link was made from an uploaded table, which a link cannot carry: the sample {stem}.csv "
                    "is shown instead. Upload a CSV or other table file in the sidebar to see yours.")  # fmt: skip
            table, of = cache.sample_table(stem), partial(DataSource.of_sample, stem)
        elif upload is None:
            st.info(
                "Upload a CSV, Parquet, Feather or Excel file in the sidebar, or pick a sample or built-in dataset."
            )
            return None
        else:
            check_upload_size(upload.size)  # the server refuses more when started by explorer.cli
            raw = upload.getvalue()  # the uploaded bytes themselves, not a copy
            content = digest(raw)  # two different files of one name never share a cache entry
            table = cache.table(content, raw, upload.name)
            of = partial(DataSource.of_upload, upload.name, content)
    source = of(table_options(prefix, table, seed))
    return cache.table_dataset(source, table), source


def data_notes(data: Dataset, expanded: bool = False) -> None:
    """What was changed in the data (dropped columns, imputed cells, sampling), when anything was."""
    if data.notes:
        n = len(data.notes)
        with st.expander(
            f"What was changed in the data ({n} note{'s' if n != 1 else ''})", expanded=expanded
        ):
            st.markdown("\n".join(f"- {note}" for note in data.notes))


def table_options(prefix: str, table: Table, seed: int) -> TableOptions:
    """Label column, features, missing-value policy and row cap for a table read from a file."""
    from engine.data.tables import column_roles, suggest_label

    columns = [str(c) for c in table.frame.columns]
    label_key = f"{prefix}_label"
    if st.session_state.get(label_key) not in [NO_LABEL, *columns]:
        st.session_state[label_key] = suggest_label(table.frame) or NO_LABEL
    label = st.sidebar.selectbox("Label / colour column", [NO_LABEL, *columns], key=label_key)
    label = None if label == NO_LABEL else label
    roles = column_roles(table.frame)
    usable = [c for c in columns if c != label and roles.get(c) in ("numeric", "categorical")]
    features = st.sidebar.multiselect(
        "Feature columns", usable, key=f"{prefix}_features_{digest(repr(columns).encode())[:8]}",
        placeholder="All usable columns",
        help="Leave empty to use every numeric and small categorical column.",
    )  # fmt: skip
    missing = st.sidebar.radio(
        "Missing values",
        MISSING,
        key=f"{prefix}_missing",
        horizontal=True,
        help="Impute with the median / most frequent value, or drop rows.",
    )
    max_rows = st.sidebar.number_input(
        "Row cap (seeded sample above it)", *TABLE_LIMITS["max_rows"], step=1000, key=f"{prefix}_maxrows"
    )
    return TableOptions(label=label, features=tuple(features) or None, missing=missing,
                        max_rows=int(max_rows), seed=seed)  # fmt: skip


def device_label(requested: str) -> str:
    """What the sidebar says about the compute device, without blocking on torch's import."""
    state = warm()
    if requested == "cpu":
        return "CPU (forced)"
    return state.get("auto", "checking for a GPU…")
