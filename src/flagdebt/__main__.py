"""`python -m flagdebt`."""

from flagdebt.entry import run

run()
