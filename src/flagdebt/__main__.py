"""`python -m flagdebt`."""

from flagdebt.cli import main

raise SystemExit(main())
