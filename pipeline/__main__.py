"""``python -m pipeline`` runs the CLI, started as the ``report`` command is."""

from pipeline.startup import main

main()
