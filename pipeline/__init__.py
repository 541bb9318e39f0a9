"""Builds the Taipei City gender-equality achievement report from section workbooks.

from pipeline import build
result = build("inputs", "outputs")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.main import BuildResult, build, verify

__all__ = ["build", "verify", "BuildResult", "version"]

DISTRIBUTION = "tpe-gender-report"  # the name in pyproject.toml, whose version is the one version


def version() -> str:
    """The program's version: pyproject.toml's, as the installation's metadata records it."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version(DISTRIBUTION)
    except PackageNotFoundError:  # a source tree run without installing (python -m pipeline)
        return "0+unknown"


def __getattr__(name: str):
    # Lazy: importing the package for the CLI's --help stays fast.
    if name in ("build", "verify", "BuildResult"):
        from pipeline import main

        return getattr(main, name)
    raise AttributeError(name)
