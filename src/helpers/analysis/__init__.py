"""Sector-specific analysis used by the notebooks: one module per sector, pure functions with unit tests."""
