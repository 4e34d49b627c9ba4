"""Package-wide settings: typed, documented module globals that users may change."""

from __future__ import annotations

from pathlib import Path

#: Folder of the on-disk dataset cache (ignored by git).
cache_folder: Path = Path(__file__).resolve().parent.parent / "data" / "cache"

#: Folder of the project-authored presets: ``<dataset>.csv`` with columns ``name,lat,lon,note``,
#: named gathering points and protest sites (★ in the route planner, names on the command line).
presets_folder: Path = Path(__file__).resolve().parent.parent / "data" / "presets"

#: Whether built datasets are cached on disk and reused.
use_cache: bool = True

#: Walking speed used for ``walk_min``, in metres per minute (4.8 km/h, the
#: pedestrian speed osmnx and most journey planners assume).
walk_speed_m_per_min: float = 80.0

#: Default maximum detour of the exposure-aware objectives, as a fraction of the
#: shortest route's length (0.5 means at most 50 % longer).
max_detour: float = 0.5

#: Coverage radius per camera kind, in metres. A camera sees a disc of this radius,
#: or a sector of it when its direction is known.
#:
#: Sources: Amnesty International's Decode Surveillance NYC analysis modelled
#: street cameras as seeing up to 120 m (a conservative upper bound for PTZ/dome
#: cameras with optical zoom, which can identify faces at a distance); kamerafrei
#: uses 25 m discs for cameras of unknown direction and 40 m cones for directed
#: ones; CCTV-Exposure (Turtiainen et al. 2022) uses 10 m for fixed cameras. We
#: take the middle of that range for face-identification distance per kind:
#: PTZ 100 m (zoom), dome 40 m (kamerafrei cone), fixed 40 m, unknown 25 m.
radius_m_by_kind: dict[str, float] = {
    "ptz": 100.0,
    "dome": 40.0,
    "fixed": 40.0,
    "unknown": 25.0,
}

#: Field of view of a directed camera whose file gives no ``fov_deg``, in degrees
#: (kamerafrei's default cone; typical fixed lenses are 60–100°).
default_fov_deg: float = 90.0

#: A point farther than this from the nearest street node cannot be routed from.
max_snap_distance_m: float = 300.0

#: Time limit of the exact searches (fewest cameras, the trade-off set, least
#: time in view) for one request, in seconds; past it the best route found is
#: returned and marked as not proven optimal.
exact_time_limit_s: float = 20.0

#: Time limit of a whole protest plan (every gathering, via and dispersal leg), in
#: seconds; each route search gets what is left of it, so a plan with many points
#: may return some routes not proven optimal (they say so).
plan_time_limit_s: float = 30.0

#: Memory one exact search may use for its labels, in megabytes; past it the best
#: route found is returned and marked as not proven optimal, with a note.
max_search_memory_mb: float = 256.0

#: Largest upload the camera loaders accept, in megabytes.
max_camera_file_mb: float = 50.0

#: Time limit of the exact solver when someone is waiting in the dashboard, in
#: seconds. Routes it could not prove optimal in time say so in the comparison table.
interactive_time_limit_s: float = 8.0

#: Most origin-destination pairs the dashboard's Many trips page routes at once; the
#: ``batch`` command has no such limit.
max_batch_pairs_dashboard: int = 20_000
#: Most H3 hexagons one request may cover an area with. The count is estimated from
#: the area's box before any hexagon is made; a request over it is refused with a
#: message naming this limit, because the hexagons of a box spanning continents
#: (cameras of one city on the streets of another) would fill the machine's memory.
max_h3_cells: int = 20_000

#: Most areas (polygons) one density table may have; an uploaded or named area set
#: with more is refused with a message naming this limit.
max_areas: int = 5_000

#: Most cameras one camera file may give, after a Decode Surveillance file's counts
#: are expanded into one row per camera (the whole of New York City is about 25,500);
#: a file over it is refused with a message naming this limit.
max_cameras: int = 2_000_000
