"""`python -m tinykit` runs the command line, like the `tinykit` script."""

from tinykit.cli import run

run()
