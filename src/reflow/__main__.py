"""``python -m reflow``: the command line, as the ``reflow`` script runs it."""

from reflow.cli import main

raise SystemExit(main())
