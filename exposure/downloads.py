"""Downloads the user asks for (Amnesty's Decode Surveillance file, camera files by URL), cached on disk."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from exposure import settings
from exposure._errors import DatasetError

__all__ = ["DECODE_NYC_URL", "DOWNLOAD_NOTICE", "fetch_camera_file", "is_url"]

#: Amnesty International's Decode Surveillance NYC per-intersection counts (CC BY-NC-ND 4.0),
#: published with the project's data-processing code.
DECODE_NYC_URL = (
    "https://raw.githubusercontent.com/amnesty-crisis-evidence-lab/decode-surveillance-nyc/"
    "main/data/counts_per_intersections.csv"
)

#: Said before any download: the request reveals this machine's address to the host.
DOWNLOAD_NOTICE = (
    "Downloading sends a request from this machine to {host}; nothing else about you or your "
    "routes is sent. The file is cached, so this happens once."
)

_CHUNK = 1 << 16


def is_url(text: str) -> bool:
    """Whether a camera source is a web address rather than a local path."""
    return str(text).startswith(("https://", "http://"))


def fetch_camera_file(
    url: str = DECODE_NYC_URL, *, refresh: bool = False, progress: Callable[[str], None] | None = None,
) -> Path:
    """Download a camera file once and return its cached path.

    Parameters
    ----------
    url
        The file's address; default Amnesty's Decode Surveillance NYC counts.
    refresh
        Download again even when a cached copy exists.
    progress
        Called with short messages (the notice first, then progress).

    Raises
    ------
    DatasetError
        When the download fails; the message names the address.
    """
    if not is_url(url):
        msg = f"{url!r} is not a web address (https://…)"
        raise DatasetError(msg)
    say = progress or (lambda _msg: None)
    name = url.rstrip("/").rsplit("/", 1)[-1] or "download"
    key = hashlib.sha256(url.encode()).hexdigest()[:12]
    target = Path(settings.cache_folder) / "downloads" / f"{key}-{name}"
    if target.is_file() and not refresh:
        say(f"Using the cached copy of {name}")
        return target
    host = url.split("/")[2]
    say(DOWNLOAD_NOTICE.format(host=host))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    limit = settings.max_camera_file_mb * 1e6
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "exposure (surveillance exposure map)"})
        with urllib.request.urlopen(request, timeout=60) as response, tmp.open("wb") as out:
            done = 0
            while chunk := response.read(_CHUNK):
                done += len(chunk)
                if done > limit:
                    msg = (f"{url} is larger than {settings.max_camera_file_mb:g} MB "
                           "(settings.max_camera_file_mb); download it yourself and give the path")
                    raise DatasetError(msg)
                out.write(chunk)
        say(f"Downloaded {done / 1e6:.1f} MB from {host}")
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        tmp.unlink(missing_ok=True)
        msg = (f"could not download {url}: {err}. Check the connection, or download the file yourself "
               "and give its path")
        raise DatasetError(msg) from err
    except DatasetError:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(target)
    return target
