"""Helpers for the future-industries research package.

All logic of the notebooks lives here: paths, data loading and validation, Chinese quantity parsing,
indicators, labels, plotting, saving outputs and the report runner.
"""

__version__ = "0.1.0"
