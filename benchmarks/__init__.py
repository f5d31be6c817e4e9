"""Benchmarks for Image Engine (run as modules, e.g. ``python -m benchmarks.duplicates_eval``)."""
