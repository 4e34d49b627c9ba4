"""The compare-models panel of the Neighbourhoods page (app.compare): the engine's study, one row per model."""

from __future__ import annotations

from tests.app_pages import open_page


def _compared(at):
    """The panel's table, if the page shows it (the ranking's table comes before it)."""
    found = [d.value for d in at.dataframe if "Coverage model" in d.value.columns]
    return found[0] if found else None


def test_the_panel_compares_every_model_on_the_same_walks() -> None:
    from exposure.compare_models import COMPARED_MODELS, compare_models
    from exposure.datasets import load_dataset

    at = open_page("3_Neighbourhoods.py", timeout=300).run()
    assert not at.exception, [e.value for e in at.exception]
    at.number_input(key="nb_cmp_trips").set_value(5).run()
    at.button(key="nb_cmp_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = _compared(at)
    assert table["Coverage model"].tolist() == list(COMPARED_MODELS)
    assert "5 walks of 500–1500 m along the streets, seed 0, level identify" in " ".join(c.value for c in at.caption)
    # the engine's figures, as the command line prints them
    found = compare_models(load_dataset("helsinki"), trips=5, seed=0, level="identify", time_limit_s=8.0)
    assert table["FRT cameras, shortest (median)"].tolist() == found.rows["frt_cameras_shortest_median"].tolist()
    assert table["Walls cut views"].tolist() == ["yes" if w else "no" for w in found.rows["walls"]]
    # shown again at once on the next run, and for the level chosen in the sidebar
    at.run()
    assert _compared(at)["Coverage model"].tolist() == list(COMPARED_MODELS)
    at.sidebar.selectbox(key="side_level").set_value("observe").run()
    assert _compared(at) is None  # another level: compared again on demand
