"""advisor: profile a table and choose a machine-learning approach, with reasons and measurements."""

__version__ = "0.1.0"

__all__ = ["__version__"]
