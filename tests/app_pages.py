"""Open the dashboard's pages in Streamlit's AppTest as a browser does: through ``dashboard.py``'s navigation."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
ENTRY = ROOT / "dashboard.py"


def open_page(page: str, *, timeout: float = 120, **query: str) -> AppTest:
    """A new session opening ``page``'s own address (``pages/<page>``) with ``query``; not run yet."""
    at = AppTest.from_file(str(ENTRY), default_timeout=timeout)
    at.switch_page(f"pages/{page}")
    at.query_params.update(query)
    return at


def visit(at: AppTest, page: str) -> AppTest:
    """Go to another page in the same session, as its link in the navigation does (the address is cleared)."""
    at.query_params.clear()
    return at.switch_page(f"pages/{page}").run()


def query(at: AppTest, name: str) -> str | None:
    """One parameter of the page address after the last run."""
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def reload(at: AppTest, page: str) -> AppTest:
    """Reload ``page``: a new session on the same address (with the session's ``s=`` key), run."""
    fresh = open_page(page, timeout=at.default_timeout)
    for name in at.query_params:
        fresh.query_params[name] = query(at, name)
    return fresh.run()
