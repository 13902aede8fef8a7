"""Predictive models as plain functions on DataFrames (dbt Python models are thin shims)."""
