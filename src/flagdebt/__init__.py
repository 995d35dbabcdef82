"""flagdebt: find and remove feature-flag debt in Python code."""

__version__ = "0.1.0"
