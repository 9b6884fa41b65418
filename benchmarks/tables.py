"""read_1m: a 1,000,000 x 50 table as CSV and as Parquet read, cleaned and previewed (PCA), each in a
fresh process with its peak memory, against plain pandas on the same file; and pandas' C engine
against its pyarrow engine on the same CSV, the measurement behind the choice of CSV parser."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from benchmarks import benchmark, median, run_python
from benchmarks._data import curved_clusters

ROWS, COLUMNS = 1_000_000, 50
MEMORY_GOAL_MB = 6 * 1024
KINDS = ("csv", "parquet", "peer_csv", "peer_parquet")  # ours and the peer on each file

# What the server does with an upload, in the order the Manifold inspector does it: read the bytes
# (read_table), the sidebar's label guess and column roles, the dataset with every row kept, and the
# first picture's coordinates (PCA of every row). Imports are made before the clock, as in a server
# that has served a page; the peak (VmHWM) counts them and the file's bytes, as the server holds both.
OURS = """
import json, sys, time
from benchmarks import vmhwm_mb
from engine.data.tables import TableOptions, column_roles, read_table, suggest_label, table_to_dataset
from engine.embed.config import EmbedConfig
from engine.embed.methods import embed
import pyarrow.parquet, sklearn.decomposition
path = sys.argv[1]
with open(path, "rb") as f:
    data = f.read()
stages, t = {}, time.perf_counter()
def lap(name):
    global t
    now = time.perf_counter(); stages[name] = now - t; t = now
table = read_table(data, path)
lap("read")
label = suggest_label(table.frame)
column_roles(table.frame)
dataset = table_to_dataset(table, TableOptions(label=label, max_rows=1_000_000))
lap("clean")
emb = embed(dataset.X, EmbedConfig(method="pca"))
lap("preview")
assert emb.coords.shape == (dataset.X.shape[0], 2) and dataset.X.shape == tuple(map(int, sys.argv[2:4]))
print(json.dumps({"stages": stages, "peak_mb": vmhwm_mb()}))
"""

PEER = """
import json, sys, time
from benchmarks import vmhwm_mb
import pandas as pd, pyarrow.parquet
from sklearn.decomposition import PCA
path = sys.argv[1]
t = time.perf_counter()
frame = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
read = time.perf_counter() - t
coords = PCA(2).fit_transform(frame.drop(columns="cluster").to_numpy())
print(json.dumps({"read": read, "seconds": time.perf_counter() - t, "peak_mb": vmhwm_mb()}))
"""

ENGINE = """
import io, json, sys, time
import pandas as pd
with open(sys.argv[1], "rb") as f:
    data = f.read()
t = time.perf_counter()
frame = pd.read_csv(io.BytesIO(data), engine=sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def write_table(folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """The benchmark's curved clusters (ROWS x COLUMNS, 5 decimals) and their cluster label, as a CSV
    (about 440 MB) and a Parquet file of the same values."""
    import pyarrow as pa
    import pyarrow.csv
    import pyarrow.parquet as pq

    X, labels = curved_clusters(ROWS, COLUMNS, seed=seed)
    columns = {f"x{j}": np.round(X[:, j], 5) for j in range(COLUMNS)}
    table = pa.table({**columns, "cluster": [f"c{k}" for k in labels]})
    csv, parquet = folder / "wide.csv", folder / "wide.parquet"
    pyarrow.csv.write_csv(table, csv)
    pq.write_table(table, parquet)
    return csv, parquet


@benchmark(
    "read_1m",
    "a 1,000,000 x 50 CSV and Parquet file each read, cleaned and previewed (PCA of every row) in a "
    "fresh process with peak memory (VmHWM) under 6 GB; ours_s/peer_s: the CSV against pandas.read_csv "
    "and scikit-learn's PCA; pandas' C and pyarrow CSV engines timed on the same file",
    repeat=3,
)
def read_1m(repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        csv, parquet = write_table(Path(tmp))
        runs: dict[str, list[dict]] = {k: [] for k in (*KINDS, "c", "pyarrow")}
        for _ in range(repeat):  # alternate, so drifts in machine load hit every side alike
            runs["csv"].append(run_python(OURS, str(csv), str(ROWS), str(COLUMNS)))
            runs["peer_csv"].append(run_python(PEER, str(csv)))
            runs["parquet"].append(run_python(OURS, str(parquet), str(ROWS), str(COLUMNS)))
            runs["peer_parquet"].append(run_python(PEER, str(parquet)))
            runs["c"].append(run_python(ENGINE, str(csv), "c"))
            runs["pyarrow"].append(run_python(ENGINE, str(csv), "pyarrow"))
        sizes = {"csv_mb": csv.stat().st_size / 2**20, "parquet_mb": parquet.stat().st_size / 2**20}

    def total(kind: str) -> float:
        return median([sum(r["stages"].values()) for r in runs[kind]])

    def stages(kind: str) -> dict[str, float]:
        return {name: median([r["stages"][name] for r in runs[kind]]) for name in runs[kind][0]["stages"]}

    peaks = {kind: max(r["peak_mb"] for r in runs[kind]) for kind in KINDS}
    return {
        "ours_s": total("csv"),
        "peer_s": median([r["seconds"] for r in runs["peer_csv"]]),
        "meets": peaks["csv"] < MEMORY_GOAL_MB and peaks["parquet"] < MEMORY_GOAL_MB,
        "csv_stages_s": stages("csv"),
        "csv_peak_mb": peaks["csv"],
        "csv_read_ratio": stages("csv")["read"] / median([r["read"] for r in runs["peer_csv"]]),
        "parquet_s": total("parquet"),
        "parquet_peer_s": median([r["seconds"] for r in runs["peer_parquet"]]),
        "parquet_stages_s": stages("parquet"),
        "parquet_peak_mb": peaks["parquet"],
        "parquet_read_ratio": stages("parquet")["read"] / median([r["read"] for r in runs["peer_parquet"]]),
        "peer_peak_mb": {"csv": peaks["peer_csv"], "parquet": peaks["peer_parquet"]},
        "csv_engine_c_s": median([r["seconds"] for r in runs["c"]]),
        "csv_engine_pyarrow_s": median([r["seconds"] for r in runs["pyarrow"]]),
        **sizes,
    }
