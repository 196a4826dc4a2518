"""The version of helix, in a leaf module: the store stamps it on every run it writes, and the
store sits below the package's public API (``helix/__init__.py``), so it cannot import that."""

__version__ = "0.1.0"
