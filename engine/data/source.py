"""`DataSource`: where a view's data came from, as one small frozen value that is the data's cache
key and what a "reproduce in Python" script loads again.

It lives in the engine because it names only engine data concepts (a `DatasetConfig`, a shipped
sample, an uploaded file's name and content digest, `TableOptions`), and it imports nothing heavy,
so Streamlit caches and the script writer both import it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.data.datasets import DatasetConfig
from engine.data.formats import file_stem
from engine.data.options import TableOptions


@dataclass(frozen=True)
class DataSource:
    """Exactly one of a dataset config, a sample CSV or an uploaded table file; a table with its options.

    Frozen and hashable: equal sources build equal datasets, so a source is a cache key as it is.
    An upload is known by its content digest as well as its name, so two different files of the
    same name never share a cache entry.
    """

    dataset: DatasetConfig | None = None  # a generator or one of scikit-learn's bundled sets
    sample: str | None = None  # the stem of a CSV in sample_data/
    upload: str | None = None  # the uploaded file's name (any format read_table reads): a script reads it
    digest: str | None = None  # the uploaded bytes' content digest (explorer.shared.cache.digest)
    table: TableOptions | None = None  # how a CSV table was turned into a dataset

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.dataset, self.sample, self.upload)) != 1:
            raise ValueError("A data source is exactly one of a dataset config, a sample CSV or an upload.")
        if (self.dataset is None) != (self.table is not None):
            raise ValueError("A table source (sample or upload) has options; a dataset config has none.")
        if (self.upload is None) != (self.digest is None):
            raise ValueError("An uploaded source is named by its file name and its content digest.")

    @classmethod
    def of_config(cls, cfg: DatasetConfig) -> DataSource:
        return cls(dataset=cfg)

    @classmethod
    def of_sample(cls, stem: str, table: TableOptions) -> DataSource:
        return cls(sample=stem, table=table)

    @classmethod
    def of_upload(cls, filename: str, digest: str, table: TableOptions) -> DataSource:
        return cls(upload=filename, digest=digest, table=table)

    @property
    def name(self) -> str:
        """The dataset's name: the config's, the sample's stem or the uploaded file's stem (as the
        table read from it is named: 'data.csv.gz' -> 'data')."""
        if self.dataset is not None:
            return self.dataset.name
        if self.sample is not None:
            return self.sample
        return file_stem(str(self.upload))
