"""`python -m refcheck` runs the command line."""

from refcheck.cli import run

run()
