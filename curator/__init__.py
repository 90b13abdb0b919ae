"""Curator: a desktop workbench for vetting chat fine-tuning data."""

__version__ = "0.1.0"
