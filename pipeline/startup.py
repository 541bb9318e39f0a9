"""The ``report`` command's start: its imports without the cyclic garbage collector.

A cold ``report build`` makes about sixty thousand objects importing its modules (click,
Jinja, lxml, the program's own), and next to none of them is garbage; the collector would
go over them again and again while they are made (about 4% of a cold build's work).  So the
console script starts with the collector off, and once a command has imported what it runs,
it calls :func:`ready`: everything made so far is frozen (``gc.freeze``: never looked at
again) and the collector is on again for the work itself, as in any Python program.  A
command that ends before (``--help``, a bad option) ends the process with it off.

Only the console script and ``python -m pipeline`` switch the collector off: importing the
package, the CLI or the library never does, and there :func:`ready` does nothing.
"""

from __future__ import annotations

import gc


def main() -> None:
    """The console script: the CLI, imported and started with the collector off."""
    gc.disable()
    from pipeline.cli import main as run_cli

    run_cli()


def ready() -> None:
    """A command's imports are done: freeze what exists and collect garbage from here on
    (before any worker process is started, which inherits the collector's state)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
