"""A user whose make serve process restarted is told once what was lost and what was kept (tested through the
proxy in tests/test_serve.py)."""

from __future__ import annotations

from app.restarted import NOTICE, RESTARTED, restarted
from serve.supervisor import WORKER_ENV
from tests.app_pages import open_page


def test_only_a_cookie_of_another_start_means_a_restart() -> None:
    assert restarted("w1-abc123", "w1-0f0f0f")  # this process started again
    assert restarted("w2-abc123", "w1-0f0f0f")  # the browser's process died: another took it over
    assert not restarted("w1-abc123", "w1-abc123")  # its own process
    assert not restarted("w1-abc123", None)  # a first visit
    assert not restarted(None, "w1-abc123")  # make run: no process names


def test_the_notice_says_what_was_lost_and_what_was_kept() -> None:
    assert NOTICE.startswith(RESTARTED)
    for said in ("camera files you uploaded", "a plan being made", "page address", "plan file loads back"):
        assert said in NOTICE


def test_make_run_never_says_the_server_restarted(monkeypatch) -> None:
    monkeypatch.delenv(WORKER_ENV, raising=False)
    at = open_page("1_Overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [w for w in at.warning if RESTARTED in w.value]


def test_after_a_restart_the_page_says_so_once_and_is_rebuilt_from_its_address(monkeypatch) -> None:
    import streamlit as st

    from app import keep
    from serve.nginx import WORKER_COOKIE

    # the browser's cookie names the start of the process that died; this process is another start
    monkeypatch.setenv(WORKER_ENV, "w1-new000")
    monkeypatch.setattr(type(st.context), "cookies", property(lambda self: {WORKER_COOKIE: "w1-old000"}))
    lost = keep.SessionStore.new_token()  # the session key the dead process held: this one never knew it
    at = open_page("2_Route_planner.py", origin="Rautatientori", destination="Kauppatori", s=lost).run()
    assert not at.exception, [e.value for e in at.exception]
    said = [w.value for w in at.main.warning if RESTARTED in w.value]
    assert said == [NOTICE]  # in the page itself, not only in the sidebar
    assert [i.value for i in at.sidebar.info if "no longer kept" in i.value]  # the key's uploads are gone
    assert at.selectbox(key="rp_origin").value == "Rautatientori"  # rebuilt from the address
    assert at.table  # and its routes worked out again
    assert at.query_params.get("s") in (None, [])  # the dead session's key left the address
    at.run()
    assert not [w for w in at.warning if RESTARTED in w.value]  # said once per session
