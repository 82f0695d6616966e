"""Orchestration: the only package that imports prefect. Flows call into extractors/models/reports."""
