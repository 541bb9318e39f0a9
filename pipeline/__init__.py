"""Builds the Taipei City gender-equality achievement report from section workbooks.

from pipeline import build
result = build("inputs", "outputs")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.main import BuildResult, build, verify

__all__ = ["build", "verify", "BuildResult"]


def __getattr__(name: str):
    # Lazy: importing the package for the CLI's --help stays fast.
    if name in __all__:
        from pipeline import main

        return getattr(main, name)
    raise AttributeError(name)
