"""Predictive models as plain functions on DataFrames (dbt Python models are thin shims)."""

from lifecycle.arrow_memory import return_freed_memory

# the Python models run inside dbt's process, beside DuckDB (lifecycle.arrow_memory)
return_freed_memory()
