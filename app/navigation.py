"""The one private Streamlit hook the entry script's navigation needs, because the ``pages/`` folder stays.

``dashboard.py`` lists the pages with ``st.navigation`` and draws the shared sidebar
once per run. Streamlit, though, starts a server whose entry script has a
``pages/`` folder beside it in its old *folder mode*: until the entry script has
called ``st.navigation`` once, a visitor who opens a page's own address
(``/Neighbourhoods``) runs that page's file alone, without the entry script, and
sees the folder's file names ("dashboard") as the navigation. Streamlit keeps that
mode in a private class flag, ``PagesManager.uses_pages_directory``; this module is
the only code that touches it, and ``tests/test_app_navigation.py`` fails when
Streamlit changes it.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import NoReturn

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

__all__ = ["ENTRY", "in_folder_mode", "leave_folder_mode", "run_through_entry"]

#: The entry script: its navigation lists the pages, and it draws the shared sidebar.
ENTRY = Path(__file__).resolve().parent.parent / "dashboard.py"


def in_folder_mode() -> bool:
    """Whether this server still runs page files without the entry script (Streamlit's old folder mode)."""
    return bool(PagesManager.uses_pages_directory)


def leave_folder_mode() -> bool:
    """Leave the folder mode for every session of this server; True when it was on.

    A page that finds the mode on was run without the entry script: it should then
    run again (``st.rerun``), which now goes through ``dashboard.py``.
    """
    if not in_folder_mode():
        return False
    PagesManager.uses_pages_directory = False
    return True


def run_through_entry() -> NoReturn:
    """Run this visit through the entry script instead of the page file Streamlit's folder mode ran, then stop.

    The entry's navigation finds the page the visitor asked for and runs it inside the
    entry, in this same run: nothing the visitor did (a button pressed) is lost, as it
    would be by running again with ``st.rerun``. Every later visit of every session then
    goes through the entry directly.
    """
    leave_folder_mode()
    runpy.run_path(str(ENTRY), run_name="__main__")
    st.stop()
