"""Downloads happen only when asked, are cached, and fail with a readable message; no real network."""

from __future__ import annotations

import io
import socket
import urllib.error
import urllib.request

import pytest

from exposure import settings
from exposure._errors import DatasetError
from exposure.cli import main
from exposure.downloads import DECODE_NYC_URL, fetch_camera_file


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to open a real connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return tmp_path


@pytest.fixture
def recorded_decode(no_network, monkeypatch, shared_data):
    """Serve the Brooklyn subset of Amnesty's file as the recorded response of the public URL."""
    body = (shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv").read_bytes()
    calls: list[str] = []

    def urlopen(request, timeout=None):
        calls.append(request.full_url)
        assert request.full_url == DECODE_NYC_URL
        return FakeResponse(body)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return calls


def test_decode_download_is_cached(recorded_decode) -> None:
    messages: list[str] = []
    path = fetch_camera_file(progress=messages.append)
    assert path.read_bytes().startswith(b",PanoramaId,n_cameras_median")
    assert "raw.githubusercontent.com" in messages[0]
    assert fetch_camera_file() == path
    assert len(recorded_decode) == 1  # the second call used the cache


def test_cli_cameras_decode_nyc(recorded_decode, capsys) -> None:
    assert main(["cameras", "--source", "decode-nyc", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    # the Brooklyn subset's cameras as Amnesty counts them (sum of the attachment medians) and a header
    assert len(out.strip().splitlines()) == 9_216 + 1
    assert "sends a request" in err


def test_failed_download_is_a_readable_error(no_network, monkeypatch) -> None:
    def urlopen(request, timeout=None):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    with pytest.raises(DatasetError, match=r"could not download https://.*give its path"):
        fetch_camera_file("https://example.org/cameras.csv")
    assert not list((no_network / "cache" / "downloads").glob("*.part"))


def test_oversized_download_is_refused(no_network, monkeypatch) -> None:
    monkeypatch.setattr(settings, "max_camera_file_mb", 0.001)
    monkeypatch.setattr(urllib.request, "urlopen", lambda request, timeout=None: FakeResponse(b"x" * 200_000))
    with pytest.raises(DatasetError, match="larger than"):
        fetch_camera_file("https://example.org/big.csv")


def test_not_a_url(no_network) -> None:
    with pytest.raises(DatasetError, match="not a web address"):
        fetch_camera_file("cameras.csv")


def test_camera_data_page_downloads_decode_when_asked(recorded_decode) -> None:
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parent.parent / "pages" / "4_Camera_data.py"
    at = AppTest.from_file(str(page), default_timeout=120).run()
    assert recorded_decode == []  # nothing is downloaded until the user asks
    assert "sends a request" in " ".join(w.value for w in at.warning)
    at.button(key="cam_decode").click().run()
    assert not at.exception
    assert recorded_decode == [DECODE_NYC_URL]
    assert "9,216" in " ".join(str(m.value) for m in at.metric) or any(
        "9216" in str(m.value).replace(",", "") for m in at.metric)
