"""``python -m pdecheck``: the ``pdecheck`` command (:func:`pdecheck.cli.main`)."""

from pdecheck.cli import main

raise SystemExit(main())
