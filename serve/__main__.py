"""``python -m serve``: what ``make serve`` runs."""

from __future__ import annotations

import sys

from serve.supervisor import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
