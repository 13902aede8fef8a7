"""Customer-lifecycle warehouse: the Python side (CLI, demo data, ingest, models, export)."""

__version__ = "0.1.0"
