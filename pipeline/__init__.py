"""Builds the Taipei City gender-equality achievement report from section workbooks.

from pipeline import build
result = build("inputs", "outputs")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.main import BuildResult, build, verify

__all__ = ["build", "verify", "BuildResult", "version", "__version__"]

# The one version: pyproject.toml reads it from here (`dynamic = ["version"]`), so the
# package, its metadata and every report agree without reading the installation's metadata
# at run time (importing importlib.metadata costs a cold build about 10 ms).
__version__ = "0.2.0"


def version() -> str:
    """The program's version."""
    return __version__


def __getattr__(name: str) -> object:
    # Lazy: importing the package for the CLI's --help stays fast.
    if name in ("build", "verify", "BuildResult"):
        from pipeline import main

        return getattr(main, name)
    raise AttributeError(name)
