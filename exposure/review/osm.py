"""Back to OpenStreetMap: the group's verified cameras as a JOSM file or osmChange, for the user to check and upload.

Cameras the group added become new nodes (negative ids); cameras read from
OpenStreetMap are modified in place (their id and version; only the tags the
group changed, plus ``check_date``); a camera the group found gone is proposed
for deletion. Cameras known only from imagery (every Decode Surveillance camera,
counted on Street View, and any camera whose reviews all come from imagery) are
never exported: OpenStreetMap does not accept what is copied from imagery it has
no licence for. No reviewer name or note goes into a file. The product never
uploads anything: the files are for the user to open in JOSM, check and upload.
"""

from __future__ import annotations

import math
import os
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import osmium
import pandas as pd

from exposure import settings
from exposure._errors import ReviewError
from exposure._parse import first_line, refuse_dtd
from exposure.review.agreement import store_verdicts
from exposure.review.store import ReviewStore

__all__ = [
    "OSM_FORMATS",
    "SKIPPED_COLUMNS",
    "OsmEdit",
    "OsmExport",
    "OsmNode",
    "osm_edits",
    "osm_nodes_from_file",
    "to_josm",
    "to_osmchange",
    "write_osm_export",
]

#: The files :func:`write_osm_export` writes: JOSM's own format, and an osmChange for scripted upload.
OSM_FORMATS: dict[str, str] = {
    "josm": "OSM XML with upload=\"false\" and JOSM's action attributes: open it in JOSM, check it, upload from there",
    "osmchange": "osmChange (create, modify, delete) for an upload script, once someone has checked it",
}
#: Columns of the table of reviewed cameras left out of an export, with the reason.
SKIPPED_COLUMNS: tuple[str, ...] = ("camera_id", "reason")

_CAMERA_TYPE = {"ptz": "panning", "dome": "dome", "fixed": "fixed"}
_GENERATOR = "exposure (group review)"


@dataclass(frozen=True)
class OsmNode:
    """An OpenStreetMap node as an edit needs it: id, version, position, every tag."""

    id: int
    version: int | None
    lon: float
    lat: float
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OsmEdit:
    """One change proposed to OpenStreetMap.

    Attributes
    ----------
    action
        ``create`` (a camera the group added), ``modify`` (a mapped camera the
        group checked or corrected) or ``delete`` (one it found gone).
    camera_id
        The camera's id in the product.
    node
        The node as it should be (for ``delete``: as it is).
    changed
        The tags set or removed (``create``: every tag).
    """

    action: str
    camera_id: str
    node: OsmNode
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class OsmExport:
    """The edits proposed, and the reviewed cameras left out with the reason (:data:`SKIPPED_COLUMNS`)."""

    edits: tuple[OsmEdit, ...]
    skipped: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """Counts of each action and of cameras left out, for JSON and captions."""
        return {action: sum(e.action == action for e in self.edits) for action in ("create", "modify", "delete")} | {
            "skipped": len(self.skipped)}


def osm_nodes_from_file(path: str | Path, *, camera_ids: Iterable[str] | None = None) -> dict[str, OsmNode]:
    """The ``man_made=surveillance`` nodes of an OSM file (PBF or XML) with their versions and every tag.

    The camera table keeps only what the product reads from a node; a change to
    OpenStreetMap needs the node's version and all its tags, so they are read
    again from the file the cameras came from.

    Parameters
    ----------
    path
        The OSM file (``.osm.pbf``, ``.osm``).
    camera_ids
        Keep only these (``osm:node/<id>``); default every camera node.

    Returns
    -------
    dict
        ``osm:node/<id>`` → :class:`OsmNode`.
    """
    source = Path(path).expanduser()
    wanted = None if camera_ids is None else set(camera_ids)
    try:
        with source.open("rb") as handle:
            head = handle.read(1 << 20)
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            refuse_dtd(source.read_bytes(), where=f"OSM file {source}", error=ReviewError)
        processor = osmium.FileProcessor(str(source), osmium.osm.NODE).with_filter(
            osmium.filter.TagFilter(("man_made", "surveillance")))
        nodes = {}
        for node in processor:
            if not isinstance(node, osmium.osm.Node):  # the processor was asked for nodes only
                continue
            camera_id = f"osm:node/{node.id}"
            if wanted is None or camera_id in wanted:
                nodes[camera_id] = OsmNode(int(node.id), int(node.version) or None, float(node.location.lon),
                                           float(node.location.lat), {t.k: t.v for t in node.tags})
    except (OSError, RuntimeError, ValueError) as err:
        msg = f"OSM file {source} cannot be read ({first_line(err)}); give the .osm.pbf or .osm the cameras came from"
        raise ReviewError(msg) from err
    return nodes


def osm_edits(store: ReviewStore, cameras: pd.DataFrame | None = None, *,
              osm_nodes: Mapping[str, OsmNode] | None = None, statuses: Iterable[str] = ("verified",)) -> OsmExport:
    """The changes to OpenStreetMap that a store's reviews support.

    Parameters
    ----------
    store
        The review store.
    cameras
        The camera table in use, as read from its sources (not overlaid): it says
        where each reviewed camera came from and what its source said.
    osm_nodes
        The OSM nodes of the table's ``osm:`` cameras (:func:`osm_nodes_from_file`):
        a mapped camera is modified or deleted only when its node is known.
    statuses
        Which group verdicts are exported: ``verified`` (the default: as many
        reviewers as ``settings.review_verified_min``, all agreeing) and perhaps
        ``unverified`` (a majority). A deletion needs the same: that many reviewers
        all saying the camera is gone, or, with ``unverified``, a majority.

    Returns
    -------
    OsmExport
        The edits (creations first, by camera id) and what was left out, with why.
    """
    wanted = set(statuses)
    verdicts = store_verdicts(store)
    added = store.added_cameras().set_index("camera_id")
    table = cameras.set_index("camera_id") if cameras is not None and len(cameras) else None
    nodes = osm_nodes or {}
    edits: list[OsmEdit] = []
    skipped: list[tuple[str, str]] = []
    for verdict in verdicts.to_dict(orient="records"):
        camera_id = verdict["camera_id"]
        row = table.loc[camera_id] if table is not None and camera_id in table.index else None
        edit, reason = _edit(verdict, wanted, added=added, row=row, node=nodes.get(camera_id))
        if edit is not None:
            edits.append(edit)
        else:
            skipped.append((camera_id, reason))
    creates = [e for e in edits if e.action == "create"]
    numbered = [OsmEdit("create", e.camera_id, OsmNode(-n, None, e.node.lon, e.node.lat, e.node.tags), e.changed)
                for n, e in enumerate(creates, start=1)]
    others = [e for e in edits if e.action != "create"]
    return OsmExport(edits=(*numbered, *others), skipped=pd.DataFrame(skipped, columns=list(SKIPPED_COLUMNS)))


def _strength(verdict: Mapping[str, Any]) -> str:
    """How strongly the group says what it says: verified when enough reviewers all agree."""
    unanimous = verdict["exists_no"] == 0 or verdict["exists_yes"] == 0
    return "verified" if unanimous and verdict["reviewers"] >= settings.review_verified_min else "unverified"


def _edit(verdict: Mapping[str, Any], wanted: set[str], *, added: pd.DataFrame, row: pd.Series | None,
          node: OsmNode | None) -> tuple[OsmEdit | None, str]:
    """The edit one verdict supports, or None and the reason."""
    camera_id, status = verdict["camera_id"], verdict["status"]
    if verdict["imagery_only"]:
        return None, "every review comes from imagery: OpenStreetMap does not accept what is copied from it"
    if status == "disputed" or _strength(verdict) not in wanted:
        return None, f"{status} ({verdict['agreement']}): not among the statuses exported ({', '.join(sorted(wanted))})"
    if camera_id in added.index:
        if status == "gone":
            return None, "added, then found gone: nothing to map"
        camera = added.loc[camera_id]
        tags = _new_tags(verdict)
        return OsmEdit("create", camera_id, OsmNode(0, None, float(camera["lon"]), float(camera["lat"]), tags),
                       tuple(sorted(tags))), ""
    source = str(row["source"]) if row is not None else camera_id.split(":", 1)[0]
    if source == "decode" or camera_id.startswith("decode:"):
        return None, "from Decode Surveillance, counted on Street View imagery: OpenStreetMap does not accept it"
    if not camera_id.startswith("osm:node/"):
        return None, f"from {source}, not OpenStreetMap: only cameras the group added or mapped ones are exported"
    if row is None:
        return None, "not in the camera table in use: load the OSM file it came from"
    if node is None or node.version is None:
        return None, ("its OSM node (version and tags) is not known: give the OSM file the cameras came from "
                      "(osm_nodes_from_file)")
    if status == "gone":
        return OsmEdit("delete", camera_id, node), ""
    tags, changed = _changed_tags(node.tags, verdict, row)
    return OsmEdit("modify", camera_id, OsmNode(node.id, node.version, node.lon, node.lat, tags), changed), ""


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _check_date(verdict: Mapping[str, Any]) -> str:
    return str(verdict["last_survey_utc"])[:10]


def _new_tags(verdict: Mapping[str, Any]) -> dict[str, str]:
    tags = {"man_made": "surveillance", "surveillance:type": "camera"}
    if verdict["kind"] in _CAMERA_TYPE:
        tags["camera:type"] = _CAMERA_TYPE[verdict["kind"]]
    mount = _mount_tag(verdict)
    if mount is not None:
        tags["camera:mount"] = mount
    if _given(verdict["direction_deg"]):
        tags["camera:direction"] = str(round(float(verdict["direction_deg"])) % 360)
    if _given(verdict["surveillance"]):
        tags["surveillance"] = str(verdict["surveillance"])
    if verdict["operator"] in ("public", "private"):
        tags["operator:type"] = str(verdict["operator"])
    tags["check_date"] = _check_date(verdict)
    tags["source"] = "survey"
    return tags


def _mount_tag(verdict: Mapping[str, Any]) -> str | None:
    """``camera:mount``: what a review said (pole, street_lamp, wall …), else wall for a building, else nothing."""
    if _given(verdict["camera_mount"]):
        return str(verdict["camera_mount"])
    return "wall" if verdict["mount"] == "building" else None


def _changed_tags(old: Mapping[str, str], verdict: Mapping[str, Any],
                  row: pd.Series) -> tuple[dict[str, str], tuple[str, ...]]:
    """A mapped node's tags with what the group changed, and the keys set or removed."""
    tags = dict(old)
    kind = verdict["kind"]
    if kind in _CAMERA_TYPE and kind != row["kind"]:
        tags["camera:type"] = _CAMERA_TYPE[kind]
        if kind != "ptz" and tags.get("revolving") == "yes":
            del tags["revolving"]  # the reader takes revolving=yes for a PTZ camera, whatever camera:type says
    mount = _mount_tag(verdict)
    if mount is not None and mount != tags.get("camera:mount") and (
            verdict["mount"] != row["mount"] or _given(verdict["camera_mount"])):
        tags["camera:mount"] = mount
    if verdict["operator"] in ("public", "private") and verdict["operator"] != row["operator"]:
        tags["operator:type"] = str(verdict["operator"])
    if _given(verdict["direction_deg"]):
        before = float(row["direction_deg"])
        turn = abs((float(verdict["direction_deg"]) - before + 180.0) % 360.0 - 180.0) if not math.isnan(before) \
            else math.inf
        if turn >= 1.0:
            key = "direction" if "direction" in tags and "camera:direction" not in tags else "camera:direction"
            tags[key] = str(round(float(verdict["direction_deg"])) % 360)
    if _given(verdict["surveillance"]) and tags.get("surveillance") != verdict["surveillance"]:
        tags["surveillance"] = str(verdict["surveillance"])
    tags["check_date"] = _check_date(verdict)
    changed = tuple(sorted(k for k in set(tags) | set(old) if tags.get(k) != old.get(k)))
    return tags, changed


def _node_element(node: OsmNode, *, with_tags: bool = True, **attributes: str) -> ET.Element:
    attrs = {"id": str(node.id)}
    if node.version is not None:
        attrs["version"] = str(node.version)
    attrs |= attributes
    attrs |= {"lat": f"{node.lat:.7f}", "lon": f"{node.lon:.7f}"}
    element = ET.Element("node", attrs)
    if with_tags:
        for key in sorted(node.tags):
            ET.SubElement(element, "tag", {"k": key, "v": node.tags[key]})
    return element


def _text(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return "<?xml version='1.0' encoding='UTF-8'?>\n" + ET.tostring(root, encoding="unicode") + "\n"


def to_josm(export: OsmExport) -> str:
    """The edits as a JOSM file: OSM XML 0.6, ``upload="false"``, with JOSM's ``action`` attributes.

    ``upload="false"`` makes JOSM refuse to upload the layer until the user saves
    it as their own: the file is a proposal to check, not a change to send.
    """
    root = ET.Element("osm", {"version": "0.6", "generator": _GENERATOR, "upload": "false"})
    for edit in export.edits:
        action = "delete" if edit.action == "delete" else "modify"
        root.append(_node_element(edit.node, action=action, visible="true"))
    return _text(root)


def to_osmchange(export: OsmExport) -> str:
    """The edits as an osmChange file: ``create``, ``modify`` and ``delete`` blocks (empty ones left out).

    A deletion carries ``if-unused``: a camera node that is part of a way (a
    wall) is then left alone by the server instead of failing the upload. The
    uploading tool adds the changeset id to each node.
    """
    root = ET.Element("osmChange", {"version": "0.6", "generator": _GENERATOR})
    for action in ("create", "modify", "delete"):
        mine = [e for e in export.edits if e.action == action]
        if not mine:
            continue
        block = ET.SubElement(root, action, {"if-unused": "true"} if action == "delete" else {})
        for edit in mine:
            block.append(_node_element(edit.node, with_tags=action != "delete"))
    return _text(root)


def write_osm_export(export: OsmExport, path: str | Path, *, format: str = "josm") -> Path:
    """Write the edits as a file (see :data:`OSM_FORMATS`), whole or not at all.

    Returns
    -------
    Path
        The file written.
    """
    if format not in OSM_FORMATS:
        msg = f"unknown OSM export format {format!r}; use one of {', '.join(OSM_FORMATS)}"
        raise ReviewError(msg)
    target = Path(path).expanduser()
    text = to_josm(export) if format == "josm" else to_osmchange(export)
    tmp = target.parent / f".{target.name}-{uuid.uuid4().hex}.tmp"
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        msg = f"OSM file {target} cannot be written ({err.strerror or err}); check the folder and free space"
        raise ReviewError(msg) from err
    return target
