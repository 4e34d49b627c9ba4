"""Map legends: swatches shaped as the map draws each thing, and a legend of coloured pills picking the routes shown."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def legends() -> None:
    import streamlit as st

    from app.legend import legend, route_legend

    legend([((200, 30, 45, 230), "camera, <b>high</b>", "dot"), ((20, 20, 160), "site point", "mark"),
            ((1, 2, 3), "an area")], title="On the map")
    labels = st.session_state.get("labels", ["shortest", "fewest cameras"])
    st.session_state["shown"] = route_legend(labels, [(60, 60, 60), (0, 114, 178), (0, 158, 115)][:len(labels)],
                                             key="lg")


def test_swatches_are_escaped_text_in_the_shape_of_what_they_stand_for() -> None:
    at = AppTest.from_function(legends).run()
    said = at.markdown[0].value
    assert "camera, &lt;b&gt;high&lt;/b&gt;" in said  # text, never markup
    assert "border-radius:50%" in said  # dots and marks are round
    assert "rgba(200,30,45,0.90)" in said
    assert "rgba(1,2,3,1.00)" in said  # RGB is opaque


def test_every_route_is_shown_until_a_pill_leaves_it_out_and_each_pill_wears_its_colour() -> None:
    at = AppTest.from_function(legends).run()
    assert at.session_state["shown"] == {0, 1}
    (pills,) = at.get("button_group")
    assert pills.options == ["shortest", "fewest cameras"]
    style = " ".join(h.proto.body for h in at.get("html"))
    assert f".st-key-{pills.key} button:nth-of-type(2) {{border-left: 0.9em solid rgba(0,114,178,1.00)" in style
    pills.set_value([1]).run()
    assert at.session_state["shown"] == {1}
    # other routes: a legend of their own, every route shown again
    at.session_state["labels"] = ["shortest", "fewest cameras", "alternative 1"]
    at.run()
    assert at.session_state["shown"] == {0, 1, 2}
