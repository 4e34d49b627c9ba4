"""Group review of cameras: a store of reviews, agreement among reviewers, plausibility, merging, OSM export.

A group verifies cameras the way Decode Surveillance's volunteers did: several
people review each camera (on site, from their photo, or from imagery), and their
agreement gives its verification. Everything lives in one GeoPackage per dataset
(:func:`open_store`), merges without a server (:func:`merge_store`), and goes back
to OpenStreetMap only as files the user checks and uploads (:func:`osm_edits`).

- :mod:`exposure.review.records`: what a review says, and its checks;
- :mod:`exposure.review.store`: the store, its atomic writes;
- :mod:`exposure.review.agreement`: verdicts, and their overlay on a camera table;
- :mod:`exposure.review.counting`: the store a figure counts, laid over the dataset in use;
- :mod:`exposure.review.plausibility`: warnings before saving, and the report;
- :mod:`exposure.review.merge`: exports, merges, cameras added twice;
- :mod:`exposure.review.osm`: JOSM and osmChange files.
"""

from __future__ import annotations

from exposure.review.agreement import (
    REVIEW_STATUSES,
    VERDICT_COLUMNS,
    VERIFIED_BY,
    ReviewOverlay,
    agreement_label,
    changed_camera_ids,
    direction_majority,
    existence_verdict,
    group_verified,
    overlay_reviews,
    overlay_verdicts,
    store_verdicts,
    value_majority,
    verdicts,
)
from exposure.review.counting import NO_STORE, counted_store, overlay_about, reviewed_cameras, reviewed_dataset
from exposure.review.merge import (
    CANDIDATE_COLUMNS,
    MergeReport,
    duplicate_candidates,
    export_reviews,
    merge_cameras,
    merge_store,
)
from exposure.review.osm import (
    OSM_FORMATS,
    SKIPPED_COLUMNS,
    OsmEdit,
    OsmExport,
    OsmNode,
    osm_edits,
    osm_nodes_from_file,
    to_josm,
    to_osmchange,
    write_osm_export,
)
from exposure.review.plausibility import (
    REPORT_COLUMNS,
    WARNING_CODES,
    StreetLines,
    basemap_buildings,
    check_camera,
    plausibility_report,
    street_lines,
)
from exposure.review.records import (
    ADDED_COLUMNS,
    CAMERA_MOUNTS,
    HOWS,
    MERGE_COLUMNS,
    REVIEW_COLUMNS,
    REVIEW_FIELDS,
    SURVEILLANCE,
    WARNING_COLUMNS,
    AddedCamera,
    Review,
    ReviewWarning,
    make_review,
)
from exposure.review.store import (
    STORE_APPLICATION,
    STORE_SCHEMA_VERSION,
    ImportCounts,
    ReviewStore,
    default_store_path,
    open_store,
)

__all__ = [
    "ADDED_COLUMNS",
    "CAMERA_MOUNTS",
    "CANDIDATE_COLUMNS",
    "HOWS",
    "MERGE_COLUMNS",
    "NO_STORE",
    "OSM_FORMATS",
    "REPORT_COLUMNS",
    "REVIEW_COLUMNS",
    "REVIEW_FIELDS",
    "REVIEW_STATUSES",
    "SKIPPED_COLUMNS",
    "STORE_APPLICATION",
    "STORE_SCHEMA_VERSION",
    "SURVEILLANCE",
    "VERDICT_COLUMNS",
    "VERIFIED_BY",
    "WARNING_CODES",
    "WARNING_COLUMNS",
    "AddedCamera",
    "ImportCounts",
    "MergeReport",
    "OsmEdit",
    "OsmExport",
    "OsmNode",
    "Review",
    "ReviewOverlay",
    "ReviewStore",
    "ReviewWarning",
    "StreetLines",
    "agreement_label",
    "basemap_buildings",
    "changed_camera_ids",
    "check_camera",
    "counted_store",
    "default_store_path",
    "direction_majority",
    "duplicate_candidates",
    "existence_verdict",
    "export_reviews",
    "group_verified",
    "make_review",
    "merge_cameras",
    "merge_store",
    "open_store",
    "osm_edits",
    "osm_nodes_from_file",
    "overlay_about",
    "overlay_reviews",
    "overlay_verdicts",
    "plausibility_report",
    "reviewed_cameras",
    "reviewed_dataset",
    "store_verdicts",
    "street_lines",
    "to_josm",
    "to_osmchange",
    "value_majority",
    "verdicts",
    "write_osm_export",
]
