"""Run the command line: ``python -m exposure``."""

from __future__ import annotations

import sys

from exposure.cli import main

sys.exit(main())
