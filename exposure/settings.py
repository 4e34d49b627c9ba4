"""Package-wide settings: typed, documented module globals that users may change."""

from __future__ import annotations

import os
from pathlib import Path

#: Folder of the on-disk dataset cache (ignored by git): ``data/cache`` beside the package, or the
#: folder the environment variable ``EXPOSURE_CACHE_FOLDER`` names when it is set (for an install
#: whose own folder is read-only, or to keep one user's datasets apart).
cache_folder: Path = Path(
    os.environ.get("EXPOSURE_CACHE_FOLDER") or Path(__file__).resolve().parent.parent / "data" / "cache",
).expanduser()

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

#: The coverage model every figure uses unless asked otherwise (``--coverage-model``, the sidebar, a plan
#: file): a built-in model's name or a CSV file of one model (:mod:`exposure.coverage_models`; the README's
#: "What a camera sees" says why ``dori-typical`` is the default). ``per-kind`` gives every earlier figure.
coverage_model: str = "dori-typical"

#: The level every figure counts unless asked otherwise (``--level``): the cameras that can ``identify``
#: you (IEC 62676-4's 250 px per metre), or ``recognise`` (125) or ``observe`` (62.5) you.
coverage_level: str = "identify"

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


#: Time limit of the exact solver when someone is waiting in the dashboard, in
#: seconds. Routes it could not prove optimal in time say so in the comparison table.
interactive_time_limit_s: float = 8.0

#: Most origin-destination pairs the dashboard's Many trips page routes at once; the
#: ``batch`` command's limit is :data:`max_batch_pairs`.
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

# --------------------------------------------------------------------------- input limits
# Every file a stranger may hand over is bounded before the work starts: its size, its rows,
# what one row may expand into. A file over a limit is refused with a message naming the limit
# and this setting; raise it for a bigger job on a machine that can take it.

#: Largest camera file the loaders accept, in megabytes (checked before it is read). A generic
#: CSV of a million cameras with every column is about 90 MB; Decode Surveillance's file of
#: Brooklyn's 10,377 intersections 3.4 MB.
max_camera_file_mb: float = 200.0

#: Most data one OpenStreetMap PBF camera file may decompress to, in megabytes, summed from
#: its blob headers before any blob is decompressed (an extract decompresses to 2-3 times its
#: size; a file of blobs that each expand a thousandfold is a bomb, not an extract).
max_pbf_decoded_mb: float = 2_000.0

#: Most memory the node locations of an OpenStreetMap extract may take while a dataset is built from
#: it, in megabytes (16 bytes a node, estimated from the file's size); a larger extract keeps them in
#: a file on disk (osmium's sparse or dense file array) in the system's temporary folder. A quarter
#: of the memory free when the read starts is the limit in any case.
node_locations_in_memory_mb: float = 2_048.0

#: Most data rows (CSV rows, GeoJSON features, OSM objects) one camera file may have; a file
#: over it is refused when its rows are counted, before any value is checked.
max_camera_rows: int = 1_000_000

#: Most columns one CSV file may have (camera, pairs and points files); checked on the
#: header line before the rows are read.
max_csv_columns: int = 1_000

#: Most cameras one row of a camera file may count (a Decode Surveillance intersection's
#: count per mount, or its total); a row over it is rejected in the report, the rest load.
#: Decode's busiest Brooklyn intersection counts 17.
max_cameras_per_row: int = 1_000

#: Largest track file (GPX or GeoJSON) one audit reads, in megabytes.
max_track_file_mb: float = 50.0

#: Most points one track file may hold, all its tracks together (a day of GPS fixes every
#: second is 86,400); counted before the points are parsed.
max_track_points: int = 200_000

#: Most unbroken lines (GPX track segments, GeoJSON lines) one track file may hold.
max_track_segments: int = 1_000

#: Longest stretch between two consecutive recorded points of a walk that an audit takes as walked
#: in a straight line, in metres. A longer one is a gap (a phone that stopped recording, a sparse
#: export): where the dataset's streets cover it, it is filled with the shortest walk on them;
#: elsewhere it is unknown, kept out of the cameras met and the share in view, and said to be.
#: A fix every 30 s at walking pace is about 40 m apart; a straight street between two nodes of
#: the map can run 100 m.
track_gap_m: float = 100.0

#: Longest track one audit measures, in kilometres along it (its tracks together): a walk
#: is tens of kilometres, and a track that jumps across a continent is not a walk.
max_track_km: float = 200.0

#: Largest areas file (GeoJSON, GeoPackage, shapefile) read for density, in megabytes.
max_areas_file_mb: float = 100.0

#: Widest extent one area set may span, in degrees of longitude and of latitude: every area
#: is measured in one local projection, which stops being true much beyond a country.
#: A wider area is left out (in the report); a set spanning more is refused.
max_area_span_deg: float = 20.0

#: Largest plan file, points file or file of areas to avoid a protest plan reads, in megabytes.
max_plan_file_mb: float = 10.0

#: Most gathering and dispersal points one protest plan may have (each is a journey).
max_plan_points: int = 100

#: Most via points one protest plan may have (each is a leg of every way in).
max_via_points: int = 20

#: Most areas and cameras to avoid one protest plan may list (each kind counted on its own).
max_avoid_items: int = 1_000

#: Largest radius of one area to avoid, and largest regroup radius, in metres.
max_avoid_radius_m: float = 10_000.0

#: Longest straight line between the two ends of one route (a route, a batch pair, a leg of
#: a plan), in kilometres; a request over it is refused before any search. A walk across a
#: city is a few kilometres.
max_trip_km: float = 50.0

#: Largest maximum detour a request may ask for, as a fraction of the shortest route's
#: length (3.0: four times as long); the search explores every street within that budget.
max_detour_allowed: float = 3.0

#: Largest pairs or points file the batch command reads, in megabytes.
max_pairs_file_mb: float = 100.0

#: Most origin-destination pairs one batch job may route, counted before the pairs of an
#: ``--origins``/``--destinations`` product are made.
max_batch_pairs: int = 5_000_000

#: Longest place text (a name, ``lat,lon`` or a preset), in characters.
max_place_chars: int = 200

#: Deepest nesting of arrays and objects in a JSON file (GeoJSON, Overpass, plan files need
#: fewer than 20 levels); checked before the file is parsed.
max_json_depth: int = 64

# --------------------------------------------------------------------------- many users on one instance
# `make serve` runs several app processes for a group; these bound what one person, and everyone
# together, can ask of them at once. Every refusal names its limit.

#: Page answers (searches and the drawing of their results) one app process works on at once; a
#: request beyond them waits, its page saying "busy, your answer is coming", first come first served.
#: Drawing holds Python's interpreter lock, so a process does about one thing at a time; a few at once
#: keep it busy while a search (which releases the lock) runs. Measured on 2 cores (bench/README.md), 4
#: served 20 users without pause best.
max_concurrent_requests: int = 4

#: Longest such a request waits for its turn, in seconds; past it the page says the server is busy
#: and stops (ask again in a minute).
max_request_wait_s: float = 30.0

#: Heavy jobs the whole instance (every app process together) runs at once: Many trips batches,
#: dataset builds, route cards (PDF) and protest plans of more than :data:`heavy_plan_points` points
#: (exact searches that run long). A job beyond them waits, bounded by :data:`max_heavy_wait_s`.
max_heavy_jobs: int = 2

#: Heavy jobs one browser (all its tabs) runs at once; another is refused at once.
max_session_heavy_jobs: int = 1

#: Longest a heavy job waits for one of the instance's :data:`max_heavy_jobs`, in seconds.
max_heavy_wait_s: float = 60.0

#: A protest plan with more gathering and dispersal points than this is a heavy job.
heavy_plan_points: int = 6

#: What one session's uploaded files (tracks, plans, points, pairs) hold in memory at once, in MB.
max_session_upload_mb: float = 250.0

#: Uploads the proxy of ``make serve`` lets through at once, for everyone together and for one
#: session; another is refused (HTTP 429) with a message naming the limit, before the app reads it.
max_uploads_at_once: int = 4
max_session_uploads_at_once: int = 2

# --------------------------------------------------------------------------- group review
# How a group's reviews of cameras (exposure.review) become a verification status, and when
# a review is flagged as implausible. Decode Surveillance NYC had three volunteers look at each
# intersection; the defaults follow it.

#: Review store the dashboard and the ``review`` command use instead of the default one per
#: dataset (``<cache_folder>/reviews/<dataset>.gpkg``), or None for the default; the
#: environment variable ``EXPOSURE_REVIEW_STORE`` sets it at start. A group sharing one
#: instance shares this store on purpose: it is the group's, unlike uploads and plans.
review_store: Path | None = (
    Path(os.environ["EXPOSURE_REVIEW_STORE"]).expanduser() if os.environ.get("EXPOSURE_REVIEW_STORE") else None
)

#: Fewest reviewers who must all say a camera exists for it to be verified ("Unanimous"), as
#: Decode's three volunteers; fewer, all agreeing, leave it unverified ("1 review", "2 reviews").
review_verified_min: int = 3

#: Share of a camera's reviewers a value needs, strictly more than, to be the majority (its
#: existence, kind, mount, operator, direction): 0.5 is a simple majority, as "2 vs 1".
review_majority_share: float = 0.5

#: Two directions reviewers give agree when they differ by at most this many degrees; the
#: agreed direction is the mean of the majority's directions.
review_direction_tolerance_deg: float = 45.0

#: Seconds a store write waits for another process's write to finish before it gives up.
review_busy_timeout_s: float = 30.0

#: A camera added within this distance of another camera of the same kind is a likely duplicate
#: (DeFlock's proposal checks 15-25 m), in metres.
review_duplicate_m: float = 15.0

#: A camera added farther than this from any street is flagged, in metres.
review_street_max_m: float = 50.0

#: A camera within this distance of a building's outline is taken to hang on it, in metres,
#: and its direction is checked against the wall.
review_wall_near_m: float = 3.0

#: How far ahead of a camera its direction is probed for the wall it hangs on, in metres.
review_wall_probe_m: float = 5.0

#: A reviewer who adds this many cameras within :data:`review_burst_minutes` is flagged.
review_burst_count: int = 20

#: The window of :data:`review_burst_count`, in minutes.
review_burst_minutes: float = 10.0

#: Two cameras that two stores added separately within this distance, of the same kind, are
#: offered as one when the stores merge, in metres.
review_same_camera_m: float = 5.0

#: Overlays of a dataset's cameras (its group's reviews at one moment) kept in memory with their
#: coverage and routing contexts; each new review makes a new overlay, and older ones are dropped.
review_overlays_kept: int = 4
