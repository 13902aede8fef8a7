"""Appending writers (one per output file) and the progress bar."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa


class Writers:
    """One appending writer per file: CSV (pyarrow.csv) or Parquet (pyarrow.parquet)."""

    def __init__(self, folder: Path, file_format: str):
        self.folder, self.format = folder, file_format
        self.writers: dict[str, object] = {}

    def write(self, name: str, table: pa.Table, file_format: str | None = None) -> None:
        fmt = file_format or self.format
        if name not in self.writers:
            path = self.folder / f"{name}.{fmt}"
            if fmt == "csv":
                import pyarrow.csv as pcsv

                self.writers[name] = pcsv.CSVWriter(path, table.schema)
            else:
                import pyarrow.parquet as pq

                self.writers[name] = pq.ParquetWriter(path, table.schema, compression="zstd")
        if table.num_rows:
            self.writers[name].write_table(table)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def progress_bar(total: int, enabled: bool):
    """A tqdm bar counting customers, or None when disabled."""
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="customer", unit_scale=True, desc="lifecycle generate", leave=False)
