"""The form editions shipped with the program (package data, read with importlib.resources).

This folder is the package ``pipeline.templates`` once installed: pyproject.toml maps it
there, so that ``pip install .`` and pipx carry the form files into the installation.
"""
