"""The review store: a GeoPackage (SQLite) holding a group's reviews and the cameras it added, written atomically."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exposure import settings
from exposure._errors import ReviewError
from exposure.review._file import (
    STORE_APPLICATION,
    STORE_SCHEMA_VERSION,
    WRITTEN_TABLES,
    check_store_file,
    connect,
    create_store_file,
)
from exposure.review._gpkg import point_blob, point_from_blob, touch_contents
from exposure.review.records import (
    ADDED_COLUMNS,
    ADDED_PREFIX,
    MERGE_COLUMNS,
    REVIEW_COLUMNS,
    WARNING_COLUMNS,
    AddedCamera,
    Review,
    ReviewWarning,
    check_camera_id,
    check_position,
    check_reviewer,
    make_review,
    merge_id,
    new_camera_id,
    reviewer_key,
    utc_text,
    warning_id,
)

__all__ = [
    "STORE_APPLICATION",
    "STORE_SCHEMA_VERSION",
    "ImportCounts",
    "ReviewStore",
    "default_store_path",
    "open_store",
]

def default_store_path(dataset: str) -> Path:
    """Where a dataset's review store lives: ``settings.review_store`` or ``<cache_folder>/reviews/<dataset>.gpkg``.

    Parameters
    ----------
    dataset
        The dataset's name (``helsinki``, a saved dataset's name); a camera file
        overlaid on it (``helsinki + cameras.csv``) shares its store.
    """
    if settings.review_store is not None:
        return Path(settings.review_store).expanduser()
    base = str(dataset).split(" + ")[0].strip()
    safe = re.sub(r"[^\w.-]+", "_", base).strip("._") or "dataset"
    return Path(settings.cache_folder) / "reviews" / f"{safe}.gpkg"


def open_store(path: str | Path | None = None, *, dataset: str = "helsinki", create: bool = True) -> ReviewStore:
    """Open a review store, making it when it does not exist.

    Parameters
    ----------
    path
        The store file (``--store FILE``); default :func:`default_store_path` of ``dataset``.
    dataset
        The dataset whose default store is opened when ``path`` is None.
    create
        Make a new, empty store when the file does not exist; False raises instead.

    Returns
    -------
    ReviewStore
        The store.

    Raises
    ------
    ReviewError
        When the file is not a review store (another file, a GeoPackage of
        something else, a damaged file, a newer schema): it is left as it is.
    """
    return ReviewStore(default_store_path(dataset) if path is None else path, create=create)


@dataclass(frozen=True)
class ImportCounts:
    """What an import (a merge) added: new records of each kind, and withdrawals taken over."""

    cameras: int = 0
    reviews: int = 0
    withdrawals: int = 0
    warnings: int = 0
    merges: int = 0
    clashes: tuple[str, ...] = ()


class ReviewStore:
    """A group's reviews and added cameras in one GeoPackage file (QGIS opens its ``cameras`` layer).

    Every write is one SQLite transaction taken with ``BEGIN IMMEDIATE`` and a
    busy timeout (``settings.review_busy_timeout_s``), in write-ahead-log mode:
    two processes writing at once wait for each other, and a process killed
    mid-write leaves every committed review in place. Records are never deleted:
    a withdrawn review stays, marked withdrawn. Keep the store on a local disk:
    SQLite's write-ahead log needs shared memory, which network file systems do
    not give; to share a store between laptops, export and merge it.

    Parameters
    ----------
    path
        The store file.
    create
        Make an empty store when the file does not exist.
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path).expanduser()
        if not self.path.exists():
            if not create:
                msg = f"review store {self.path} not found; check the path, or let it be made"
                raise ReviewError(msg)
            create_store_file(self.path)
        check_store_file(self.path)

    def __repr__(self) -> str:
        return f"ReviewStore({str(self.path)!r})"

    # ------------------------------------------------------------------ transactions
    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        con = connect(self.path)
        try:
            yield con
        except sqlite3.DatabaseError as err:
            msg = f"review store {self.path} cannot be read ({err}); it is left as it is"
            raise ReviewError(msg) from err
        finally:
            con.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction: all of it is committed, or none of it."""
        con = connect(self.path)
        try:
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as err:
                msg = (f"review store {self.path} is busy: another process has been writing for over "
                       f"{settings.review_busy_timeout_s:g} s ({err}); try again")
                raise ReviewError(msg) from err
            try:
                yield con
                touch_contents(con, WRITTEN_TABLES)
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as err:
            msg = f"review store {self.path} cannot be written ({err}); nothing of this change was kept"
            raise ReviewError(msg) from err
        finally:
            con.close()

    def info(self) -> dict[str, Any]:
        """The store's file, schema version and how many records of each kind it holds."""
        with self._reading() as con:
            meta = dict(con.execute("SELECT key, value FROM review_meta").fetchall())
            counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in WRITTEN_TABLES}
            withdrawn = con.execute("SELECT count(*) FROM reviews WHERE withdrawn_utc IS NOT NULL").fetchone()[0]
        return {"path": str(self.path), "schema_version": int(meta["schema_version"]),
                "created_utc": meta.get("created_utc"), "added_cameras": counts["cameras"],
                "reviews": counts["reviews"], "withdrawn_reviews": withdrawn, "warnings": counts["warnings"],
                "merges": counts["merges"]}

    # ------------------------------------------------------------------ writes
    def add_camera(
        self, lon: float, lat: float, *, reviewer: str, how: str, note: str = "", when: datetime | None = None,
        warnings: Sequence[ReviewWarning] = (), **fields: Any,
    ) -> tuple[AddedCamera, Review]:
        """Add a camera the group found, with its finder's review, in one transaction.

        Parameters
        ----------
        lon, lat
            Where it is (WGS84).
        reviewer, how, note, when
            As in :func:`exposure.review.records.make_review`.
        warnings
            Plausibility warnings shown before it was saved
            (:func:`exposure.review.plausibility.check_camera`); recorded with it.
        **fields
            What the finder says of it: ``kind``, ``mount``, ``camera_mount``,
            ``operator``, ``direction_deg``, ``fov_deg``, ``surveillance``.

        Returns
        -------
        tuple of AddedCamera and Review
            The camera (id ``review:<uuid>``) and the finder's review, which says it exists.
        """
        lon_f, lat_f = check_position(lon, lat)
        camera_id = new_camera_id()
        review = make_review(camera_id, reviewer=reviewer, how=how, exists=True, note=note, when=when, **fields)
        camera = AddedCamera(camera_id, lon_f, lat_f, review.reviewer, review.reviewed_utc)
        with self._writing() as con:
            self._insert_camera(con, camera)
            self._insert_review(con, review)
            self._insert_warnings(con, warnings, camera_id=camera_id, review=review)
        return camera, review

    def add_review(
        self, camera_id: str, *, reviewer: str, how: str, exists: bool = True, note: str = "",
        when: datetime | None = None, warnings: Sequence[ReviewWarning] = (), **fields: Any,
    ) -> Review:
        """Record a review of a camera of the table in use or of one the group added.

        Parameters
        ----------
        camera_id
            The camera's id (an added camera's must be in this store).
        reviewer, how, exists, note, when, **fields
            As in :func:`exposure.review.records.make_review`.
        warnings
            Plausibility warnings shown before it was saved; recorded with it.

        Returns
        -------
        Review
            The review recorded.
        """
        review = make_review(camera_id, reviewer=reviewer, how=how, exists=exists, note=note, when=when, **fields)
        with self._writing() as con:
            if review.camera_id.startswith(ADDED_PREFIX) and con.execute(
                    "SELECT 1 FROM cameras WHERE camera_id = ?", (review.camera_id,)).fetchone() is None:
                msg = (f"camera {review.camera_id} is not in review store {self.path}; merge the store of the "
                       "reviewer who added it first")
                raise ReviewError(msg)
            self._insert_review(con, review)
            self._insert_warnings(con, warnings, camera_id=review.camera_id, review=review)
        return review

    def confirm(self, camera_id: str, *, reviewer: str, how: str, **fields: Any) -> Review:
        """Say a camera is there (optionally correcting its fields): :meth:`add_review` with ``exists=True``."""
        return self.add_review(camera_id, reviewer=reviewer, how=how, exists=True, **fields)

    def dispute(self, camera_id: str, *, reviewer: str, how: str, note: str = "",
                when: datetime | None = None) -> Review:
        """Say a camera is not there: :meth:`add_review` with ``exists=False``."""
        return self.add_review(camera_id, reviewer=reviewer, how=how, exists=False, note=note, when=when)

    def withdraw(self, review_id: str, *, reviewer: str, when: datetime | None = None) -> Review:
        """Withdraw one's own review: it stops counting and stays in the store as history.

        Raises
        ------
        ReviewError
            When the review is unknown, another reviewer's, or already withdrawn.
        """
        name = check_reviewer(reviewer)
        with self._writing() as con:
            row = con.execute(f"SELECT {_REVIEW_SELECT} FROM reviews WHERE review_id = ?",
                              (str(review_id).strip(),)).fetchone()
            if row is None:
                msg = f"review {review_id} is not in review store {self.path}; list reviews with `review show`"
                raise ReviewError(msg)
            review = _review_from_row(row)
            if reviewer_key(review.reviewer) != reviewer_key(name):
                msg = f"review {review_id} is {review.reviewer}'s; only its reviewer can withdraw it"
                raise ReviewError(msg)
            if review.withdrawn_utc is not None:
                msg = f"review {review_id} was already withdrawn at {review.withdrawn_utc}"
                raise ReviewError(msg)
            stamp = utc_text(when)
            con.execute("UPDATE reviews SET withdrawn_utc = ? WHERE review_id = ?", (stamp, review.review_id))
        return Review(**{**asdict(review), "withdrawn_utc": stamp})

    def record_warnings(self, warnings: Iterable[ReviewWarning]) -> int:
        """Record plausibility warnings (a report); one already recorded is not repeated. Returns how many were new."""
        with self._writing() as con:
            return self._insert_warnings(con, list(warnings))

    def record_merge(self, first_id: str, second_id: str, *, reviewer: str, when: datetime | None = None) -> bool:
        """Record that two camera ids are one camera; False when that was recorded already."""
        first, second = check_camera_id(first_id), check_camera_id(second_id)
        if first == second:
            msg = f"camera {first} cannot be merged with itself; give two different cameras"
            raise ReviewError(msg)
        row = (merge_id(first, second), first, second, check_reviewer(reviewer), utc_text(when))
        with self._writing() as con:
            return con.execute("INSERT OR IGNORE INTO merges (merge_id, first_id, second_id, merged_by, merged_utc) "
                               "VALUES (?, ?, ?, ?, ?)", row).rowcount > 0

    def import_records(self, *, cameras: pd.DataFrame | None = None, reviews: pd.DataFrame | None = None,
                       warnings: pd.DataFrame | None = None, merges: pd.DataFrame | None = None) -> ImportCounts:
        """Add another store's records in one transaction; what is here already is kept (idempotent).

        Records are matched by id: a review, camera, warning or merge already
        here is not added again; a review withdrawn in either store is withdrawn
        (at the earlier time). An id here with other content (a clash: the same
        id for another camera or reviewer) keeps this store's record and is listed.

        Parameters
        ----------
        cameras, reviews, warnings, merges
            Tables with :data:`ADDED_COLUMNS`, :data:`REVIEW_COLUMNS`,
            :data:`WARNING_COLUMNS`, :data:`MERGE_COLUMNS` (as :meth:`added_cameras`,
            :meth:`reviews`, :meth:`warnings`, :meth:`merges` return them).

        Returns
        -------
        ImportCounts
            How many records were new.
        """
        added = [_added_from_record(r) for r in _records(cameras)]
        incoming = [_review_from_record(r) for r in _records(reviews)]
        with self._writing() as con:
            clashes: list[str] = []
            new_cameras = 0
            for camera in added:
                old = con.execute("SELECT lon, lat FROM cameras WHERE camera_id = ?", (camera.camera_id,)).fetchone()
                if old is None:
                    self._insert_camera(con, camera)
                    new_cameras += 1
                elif not np.allclose(old, (camera.lon, camera.lat), atol=1e-9):
                    clashes.append(f"camera {camera.camera_id}: another position in each store; this store's kept")
            new_reviews, withdrawals = self._import_reviews(con, incoming, clashes)
            new_warnings = self._insert_warning_rows(con, _records(warnings))
            new_merges = sum(con.execute(
                "INSERT OR IGNORE INTO merges (merge_id, first_id, second_id, merged_by, merged_utc) "
                "VALUES (?, ?, ?, ?, ?)", tuple(str(r[c]) for c in MERGE_COLUMNS)).rowcount for r in _records(merges))
        return ImportCounts(new_cameras, new_reviews, withdrawals, new_warnings, new_merges, tuple(clashes))

    @staticmethod
    def _import_reviews(con: sqlite3.Connection, incoming: list[Review], clashes: list[str]) -> tuple[int, int]:
        new = withdrawals = 0
        for review in incoming:
            old = con.execute("SELECT camera_id, reviewer, withdrawn_utc FROM reviews WHERE review_id = ?",
                              (review.review_id,)).fetchone()
            if old is None:
                ReviewStore._insert_review(con, review)
                new += 1
                continue
            if (old[0], old[1]) != (review.camera_id, review.reviewer):
                clashes.append(f"review {review.review_id}: another camera or reviewer in each store; this kept")
                continue
            if review.withdrawn_utc is not None and (old[2] is None or review.withdrawn_utc < old[2]):
                con.execute("UPDATE reviews SET withdrawn_utc = ? WHERE review_id = ?",
                            (review.withdrawn_utc, review.review_id))
                withdrawals += old[2] is None
        return new, withdrawals

    @staticmethod
    def _insert_camera(con: sqlite3.Connection, camera: AddedCamera) -> None:
        con.execute("INSERT INTO cameras (geom, camera_id, lon, lat, added_by, added_utc, note) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (point_blob(camera.lon, camera.lat), camera.camera_id, camera.lon, camera.lat, camera.added_by,
                     camera.added_utc, camera.note))

    @staticmethod
    def _insert_review(con: sqlite3.Connection, review: Review) -> None:
        values = asdict(review)
        values["exists"] = int(review.exists)
        con.execute(f"INSERT INTO reviews ({_REVIEW_SELECT}) VALUES ({', '.join('?' * len(REVIEW_COLUMNS))})",
                    tuple(values[c] for c in REVIEW_COLUMNS))

    @staticmethod
    def _insert_warnings(con: sqlite3.Connection, warnings: Sequence[ReviewWarning], *, camera_id: str = "",
                         review: Review | None = None) -> int:
        rows = []
        for w in warnings:
            camera = w.camera_id or camera_id
            review_id = w.review_id or (review.review_id if review is not None else "")
            rows.append({"warning_id": warning_id(w.code, camera, w.other_id),
                         "code": w.code, "camera_id": camera, "other_id": w.other_id, "review_id": review_id,
                         "reviewer": w.reviewer or (review.reviewer if review is not None else ""),
                         "message": w.message, "raised_utc": review.reviewed_utc if review is not None else utc_text()})
        return ReviewStore._insert_warning_rows(con, rows)

    @staticmethod
    def _insert_warning_rows(con: sqlite3.Connection, rows: Iterable[dict[str, Any]]) -> int:
        return sum(con.execute(
            f"INSERT OR IGNORE INTO warnings ({', '.join(WARNING_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(WARNING_COLUMNS))})",
            tuple(str(r[c] if r[c] is not None else "") for c in WARNING_COLUMNS)).rowcount for r in rows)

    # ------------------------------------------------------------------ reads
    def reviews(self, *, camera_id: str | None = None, reviewer: str | None = None,
                active_only: bool = False) -> pd.DataFrame:
        """Reviews (:data:`REVIEW_COLUMNS`), oldest first; withdrawn ones too unless ``active_only``."""
        where, args = [], []
        if camera_id is not None:
            where.append("camera_id = ?")
            args.append(str(camera_id).strip())
        if active_only:
            where.append("withdrawn_utc IS NULL")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._reading() as con:
            rows = con.execute(f"SELECT {_REVIEW_SELECT} FROM reviews{clause} "
                               "ORDER BY reviewed_utc, review_id", args).fetchall()
        table = _review_frame(rows)
        if reviewer is not None:
            table = table[table["reviewer"].map(reviewer_key) == reviewer_key(reviewer)].reset_index(drop=True)
        return table

    def review(self, review_id: str) -> Review:
        """One review by its id; ``ReviewError`` when it is not in the store."""
        with self._reading() as con:
            row = con.execute(f"SELECT {_REVIEW_SELECT} FROM reviews WHERE review_id = ?",
                              (str(review_id).strip(),)).fetchone()
        if row is None:
            msg = f"review {review_id} is not in review store {self.path}"
            raise ReviewError(msg)
        return _review_from_row(row)

    def added_cameras(self) -> pd.DataFrame:
        """The cameras the group added (:data:`ADDED_COLUMNS`), oldest first; positions read from the geometry."""
        with self._reading() as con:
            rows = con.execute("SELECT camera_id, geom, added_by, added_utc, note FROM cameras "
                               "ORDER BY added_utc, camera_id").fetchall()
        records = []
        for camera_id, geom, added_by, added_utc, note in rows:
            try:
                lon, lat = point_from_blob(geom)
            except ValueError as err:
                msg = f"review store {self.path}: camera {camera_id} has an unreadable geometry ({err})"
                raise ReviewError(msg) from err
            records.append((camera_id, lon, lat, added_by, added_utc, note))
        return pd.DataFrame(records, columns=list(ADDED_COLUMNS)).astype({"lon": float, "lat": float})

    def warnings(self) -> pd.DataFrame:
        """The plausibility warnings recorded (:data:`WARNING_COLUMNS`), oldest first."""
        with self._reading() as con:
            rows = con.execute(f"SELECT {', '.join(WARNING_COLUMNS)} FROM warnings "
                               "ORDER BY raised_utc, warning_id").fetchall()
        return pd.DataFrame(rows, columns=list(WARNING_COLUMNS), dtype=object)

    def merges(self) -> pd.DataFrame:
        """The camera merges recorded (:data:`MERGE_COLUMNS`), oldest first."""
        with self._reading() as con:
            rows = con.execute(f"SELECT {', '.join(MERGE_COLUMNS)} FROM merges "
                               "ORDER BY merged_utc, merge_id").fetchall()
        return pd.DataFrame(rows, columns=list(MERGE_COLUMNS), dtype=object)

    def canonical_ids(self) -> dict[str, str]:
        """For each camera id merged into another, the id its reviews count for.

        Merged cameras form groups; each group counts as its camera of the table
        in use (an id not added here) when it has one, else as its camera added
        first. The choice depends only on the records, so stores merged in any
        order agree.
        """
        merges = self.merges()
        if merges.empty:
            return {}
        added = self.added_cameras().set_index("camera_id")["added_utc"].to_dict()
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for first, second in zip(merges["first_id"], merges["second_id"], strict=True):
            parent[find(first)] = find(second)
        groups: dict[str, list[str]] = {}
        for member in list(parent):
            groups.setdefault(find(member), []).append(member)
        out = {}
        for members in groups.values():
            head = min(members, key=lambda c: (c in added, added.get(c, ""), c))
            out.update({m: head for m in members if m != head})
        return out


_REVIEW_SELECT = ", ".join(f'"{c}"' if c == "exists" else c for c in REVIEW_COLUMNS)


def _review_from_row(row: Sequence[Any]) -> Review:
    values = dict(zip(REVIEW_COLUMNS, row, strict=True))
    values["exists"] = bool(values["exists"])
    return Review(**values)


def _review_frame(rows: list[Any]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=list(REVIEW_COLUMNS), dtype=object)
    table["exists"] = table["exists"].astype(bool)
    for column in ("direction_deg", "fov_deg"):
        table[column] = pd.to_numeric(table[column]).astype(float)
    return table


def _records(table: pd.DataFrame | None) -> list[dict[str, Any]]:
    if table is None or table.empty:
        return []
    return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
            for r in table.to_dict(orient="records")]


def _added_from_record(record: dict[str, Any]) -> AddedCamera:
    """A camera from another store, checked as if it were added here."""
    camera_id = check_camera_id(record.get("camera_id"))
    if not camera_id.startswith(ADDED_PREFIX):
        msg = f"added camera {camera_id!r} has no {ADDED_PREFIX} id; only added cameras can be imported"
        raise ReviewError(msg)
    lon, lat = check_position(record.get("lon"), record.get("lat"))
    return AddedCamera(camera_id, lon, lat, check_reviewer(record.get("added_by")), str(record.get("added_utc")),
                       str(record.get("note") or ""))


def _review_from_record(record: dict[str, Any]) -> Review:
    """A review from another store, checked as if it were made here, with its id, time and withdrawal kept."""
    fields = {k: record.get(k) for k in ("kind", "mount", "camera_mount", "operator", "direction_deg", "fov_deg",
                                          "surveillance")}
    try:
        moment = datetime.fromisoformat(str(record.get("reviewed_utc")).replace("Z", "+00:00"))
        withdrawn = record.get("withdrawn_utc")
        withdrawn_utc = None if withdrawn in (None, "") else utc_text(
            datetime.fromisoformat(str(withdrawn).replace("Z", "+00:00")))
    except ValueError as err:
        msg = f"review {record.get('review_id')}: a time is not ISO 8601 ({err})"
        raise ReviewError(msg) from err
    review = make_review(str(record.get("camera_id")), reviewer=str(record.get("reviewer")),
                         how=str(record.get("how")), exists=bool(record.get("exists")),
                         note=str(record.get("note") or ""), when=moment, review_id=str(record.get("review_id")),
                         **fields)
    return Review(**{**asdict(review), "withdrawn_utc": withdrawn_utc})
