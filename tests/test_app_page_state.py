"""A page's state, declared once: address keys in links, memory keys across reloads, every key across pages."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app import keep
from app.page_state import KeptFile, PageState, address, int_between, memory, one_of, session
from tests.app_pages import query


def little_page() -> None:
    """A page with one key of each kind; ``elsewhere`` in the session stands for another page's run."""
    import streamlit as st

    from app.page_state import PageState, address, memory, session

    def count(text: str) -> int:
        if not text.isdigit():
            msg = f"the address asks for {text!r} people, which is not a number"
            raise ValueError(msg)
        return int(text)

    state = PageState("t", [
        address("t_place", "", param="place"),
        address("t_people", 1, param="people", parse=count),
        address("t_late", False, param="late", parse=lambda text: text == "yes",
                show=lambda late: "yes" if late else None),
        memory("t_note", ""),
        memory("t_file", upload=True),
        session("t_pick", "a"),
        session("t_extra", ""),
    ])
    if st.session_state.get("elsewhere"):
        st.title("Another page")
        st.stop()
    state.restore()
    for note in state.notes:
        st.warning(note)
    st.text_input("Place", key="t_place")
    st.number_input("People", 1, 100, key="t_people")
    st.checkbox("Late", key="t_late")
    st.text_area("Note", key="t_note")
    if st.radio("Pick", ["a", "b"], key="t_pick") == "b":
        st.text_input("Extra", key="t_extra")  # drawn on some runs only
    st.file_uploader("File", key="t_file")
    kept = state.upload("t_file")
    st.write(f"file: {kept.name if kept else None}")
    if st.button("Shout", key="t_shout"):
        state["t_place"] = state["t_place"].upper()  # its widget is drawn: shown from the next run


def page() -> AppTest:
    return AppTest.from_function(little_page, default_timeout=30)


def leave_and_come_back(at: AppTest) -> AppTest:
    at.session_state["elsewhere"] = True
    at.run()
    assert at.title[0].value == "Another page"
    at.session_state["elsewhere"] = False
    return at.run()


def test_address_keys_come_from_a_link_and_go_back_into_the_address() -> None:
    at = page()
    at.query_params.update(place="Kauppatori", people="12", late="yes")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert (at.text_input(key="t_place").value, at.number_input(key="t_people").value) == ("Kauppatori", 12)
    assert at.checkbox(key="t_late").value is True
    at.text_input(key="t_place").set_value("Senaatintori").run()
    at.checkbox(key="t_late").uncheck().run()
    assert (query(at, "place"), query(at, "people"), query(at, "late")) == ("Senaatintori", "12", None)


def test_an_address_value_a_key_cannot_read_is_a_note_and_the_default() -> None:
    at = page()
    at.query_params.update(place="Kauppatori", people="many")
    at.run()
    assert at.number_input(key="t_people").value == 1
    assert [w.value for w in at.warning] == ["the address asks for 'many' people, which is not a number"]
    assert query(at, "people") == "1"


def test_every_key_holds_while_another_page_runs() -> None:
    at = page().run()
    at.text_input(key="t_place").set_value("Kauppatori")
    at.number_input(key="t_people").set_value(7)
    at.text_area(key="t_note").set_value("bring water")
    at.radio(key="t_pick").set_value("b")
    at.file_uploader(key="t_file").upload("points.csv", b"name,lat,lon\n", "text/csv")
    at.run()
    assert "file: points.csv" in [m.value for m in at.markdown]
    back = leave_and_come_back(at)
    assert not back.exception, [e.value for e in back.exception]
    assert back.text_input(key="t_place").value == "Kauppatori"
    assert back.number_input(key="t_people").value == 7
    assert back.text_area(key="t_note").value == "bring water"
    assert back.radio(key="t_pick").value == "b"
    assert "file: points.csv" in [m.value for m in back.markdown]  # the uploader is empty; the file is kept
    assert (query(back, "place"), query(back, "people")) == ("Kauppatori", "7")
    # a second run with the uploader still empty keeps the file; removing a file from the uploader forgets it
    back.run()
    assert "file: points.csv" in [m.value for m in back.markdown]
    back.file_uploader(key="t_file").upload("other.csv", b"x\n", "text/csv").run()
    assert "file: other.csv" in [m.value for m in back.markdown]
    back.file_uploader(key="t_file").clear().run()
    assert "file: None" in [m.value for m in back.markdown]


def test_a_widget_drawn_on_some_runs_only_holds_its_last_value_too() -> None:
    at = page().run()  # "Extra" is not drawn on this run: its key is seeded all the same
    at.radio(key="t_pick").set_value("b").run()
    at.text_input(key="t_extra").set_value("by the fountain").run()
    back = leave_and_come_back(at)
    assert back.text_input(key="t_extra").value == "by the fountain"
    back.text_input(key="t_extra").set_value("by the statue").run()
    back.radio(key="t_pick").set_value("a").run()
    back = leave_and_come_back(back)
    back.radio(key="t_pick").set_value("b").run()
    assert back.text_input(key="t_extra").value == "by the statue"


def test_memory_keys_come_back_after_a_reload_and_never_go_into_a_link() -> None:
    at = page().run()
    assert query(at, keep.TOKEN) is None  # nothing worth keeping yet: no key
    at.text_area(key="t_note").set_value("bring water")
    at.radio(key="t_pick").set_value("b")
    at.file_uploader(key="t_file").upload("points.csv", b"name,lat,lon\n", "text/csv")
    at.run()
    token = query(at, keep.TOKEN)
    assert token
    assert "bring water" not in str(at.query_params)
    reloaded = page()
    reloaded.query_params.update({k: query(at, k) for k in at.query_params})
    reloaded.run()
    assert reloaded.text_area(key="t_note").value == "bring water"
    assert "file: points.csv" in [m.value for m in reloaded.markdown]
    assert reloaded.radio(key="t_pick").value == "a"  # a session key: a reload starts afresh
    # back to the defaults: nothing is kept any more
    reloaded.text_area(key="t_note").set_value("")
    reloaded.file_uploader(key="t_file").clear().run()
    reloaded.file_uploader(key="t_file").upload("x.csv", b"x\n", "text/csv").run()
    reloaded.file_uploader(key="t_file").clear().run()
    assert "t" not in (keep.store().get(token) or {})


def test_a_value_set_after_its_widget_is_drawn_shows_at_the_next_run() -> None:
    at = page().run()
    at.text_input(key="t_place").set_value("kauppatori").run()
    at.button(key="t_shout").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(at, "place") == "KAUPPATORI"
    at.run()
    assert at.text_input(key="t_place").value == "KAUPPATORI"


def quiet(text: str) -> int:
    if not text.isdigit():
        raise ValueError  # no message: fall back to the default without a note
    return int(text)


def test_reading_an_address_is_a_pure_function_of_it() -> None:
    state = PageState("x", [address("x_n", 1, param="n", parse=int), address("x_q", 0, param="q", parse=quiet),
                            memory("x_m"), session("x_s")])
    assert state.from_address({}) == ({}, [])
    assert state.from_address({"n": "3", "q": "4", "other": "y", "x_m": "z"}) == ({"x_n": 3, "x_q": 4}, [])
    assert state.from_address({"n": "three", "q": "inf"}) == ({}, ["invalid literal for int() with base 10: 'three'"])


def test_a_key_declared_twice_or_unknown_is_an_error() -> None:
    with pytest.raises(ValueError, match="declares a key twice"):
        PageState("x", [session("x_a"), memory("x_a")])
    state = PageState("x", [session("x_a"), memory("x_f", upload=True)])
    with pytest.raises(KeyError, match="has no key 'x_b'"):
        state["x_b"]
    with pytest.raises(KeyError, match="not an upload key"):
        state.upload("x_a")


def test_a_kept_file_reads_like_an_upload() -> None:
    kept = KeptFile("walk.gpx", b"<gpx/>")
    assert (kept.name, kept.size, kept.getvalue()) == ("walk.gpx", 6, b"<gpx/>")
    assert "gpx/" not in repr(kept)  # the bytes are never shown


def test_the_shared_readers_take_a_choice_or_a_number_and_fall_back_silently() -> None:
    state = PageState("x", [address("x_c", "a", param="c", parse=one_of(["a", "b"])),
                            address("x_n", 9, param="n", parse=int_between(7, 10))])
    assert state.from_address({"c": "b", "n": "8"}) == ({"x_c": "b", "x_n": 8}, [])
    assert state.from_address({"c": "z", "n": "99"}) == ({"x_n": 10}, [])  # a number beyond: brought within
    assert state.from_address({"n": "-3.5"}) == ({"x_n": 7}, [])
    assert state.from_address({"n": "inf"}) == ({}, [])
    assert state.from_address({"n": "nan"}) == ({}, [])
    assert state.from_address({"n": "many"}) == ({}, [])
