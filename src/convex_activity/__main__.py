"""``python -m convex_activity`` runs the command line, like the ``convex-activity`` script."""

from .cli import main

main()
