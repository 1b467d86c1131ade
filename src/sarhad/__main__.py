"""``python -m sarhad`` runs the command line."""

from sarhad.cli import main

main()
