"""Curator's PySide6 front end: widgets and Qt models over ``curator.core``."""
