"""Curator's core: pure Python, never imports Qt (see tests/core/test_layers.py)."""
