"""A plan as the tables people read: each route beside the shortest, totals, leg by leg, and regroup points."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from exposure.planning.plan import Plan
from exposure.routing import compare_with_shortest, proof_words

__all__ = [
    "PLAN_FAILURE_COLUMNS", "PLAN_LEG_COLUMNS", "PLAN_REGROUP_COLUMNS", "PLAN_ROUTE_COLUMNS", "PlanTables",
    "plan_tables",
]

#: Columns of :attr:`PlanTables.routes` and :attr:`PlanTables.totals`, in this order.
PLAN_ROUTE_COLUMNS: tuple[str, ...] = (
    "Route", "Way", "Plan", "Length (m)", "Walk (min)", "FRT cameras", "In view of FRT cameras (m)",
    "Compared with the shortest", "Avoids everything asked", "Proven optimal",
)
#: Columns of :attr:`PlanTables.legs`, in this order.
PLAN_LEG_COLUMNS: tuple[str, ...] = ("Route", "Leg", "Length (m)", "FRT cameras", "In view (m)", "Avoids everything")
#: Columns of :attr:`PlanTables.regroup`, in this order.
PLAN_REGROUP_COLUMNS: tuple[str, ...] = (
    "Rank", "Where", "Walk from the site (m)", "FRT cameras seeing it", "Camera ids", "lat,lon",
)
#: Columns of :attr:`PlanTables.failures`, in this order.
PLAN_FAILURE_COLUMNS: tuple[str, ...] = ("Point", "Role", "Not planned because")



@dataclass(frozen=True, eq=False)
class PlanTables:
    """The tables of a plan, with column names for people (metres and minutes rounded as shown).

    Attributes
    ----------
    routes
        One row per journey: the objective's route (or the least-bad one) and
        how it compares with the shortest (:data:`PLAN_ROUTE_COLUMNS`).
    totals
        One row per direction (all ways in, all ways out) over the objective's
        routes, FRT cameras shared between routes counted once.
    legs
        One row per leg of each journey through via points (:data:`PLAN_LEG_COLUMNS`);
        empty when no journey has via points.
    regroup
        One row per regroup point, best first (:data:`PLAN_REGROUP_COLUMNS`); empty
        when none was asked for.
    failures
        One row per gathering or dispersal point that could not be planned, with
        why (:data:`PLAN_FAILURE_COLUMNS`); empty when every point was planned.
    """

    routes: pd.DataFrame
    totals: pd.DataFrame
    legs: pd.DataFrame
    regroup: pd.DataFrame
    failures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(PLAN_FAILURE_COLUMNS)))

    def summary(self) -> pd.DataFrame:
        """The routes, then the totals, as one table."""
        if self.totals.empty:
            return self.routes.copy()
        return pd.concat([self.routes, self.totals], ignore_index=True)


def plan_tables(plan: Plan) -> PlanTables:
    """The tables of a plan: routes, totals, legs and regroup points (see :class:`PlanTables`)."""
    routes = []
    for j in plan.journeys:
        r, s = j.route, j.shortest
        routes.append({
            "Route": j.name, "Way": "in" if j.direction == "in" else "out", "Plan": r.label,
            "Length (m)": round(r.length_m), "Walk (min)": round(r.walk_min, 1), "FRT cameras": r.frt_cameras,
            "In view of FRT cameras (m)": round(r.metres_in_view),
            "Compared with the shortest": compare_with_shortest(r, s) if j.feasible else "—",
            "Avoids everything asked": "yes" if j.feasible else "NO (least bad)",
            # unproven: the proven lower bound and the gap, in cameras ("at least 3 FRT cameras, this route has 4")
            "Proven optimal": "yes" if r.optimal else (proof_words(r) or "—"),
        })
    totals = [{
        "Route": f"{t['journey'].capitalize()} ({t['routes']})", "Way": t["direction"], "Plan": "total",
        "Length (m)": round(t["length_m"]), "Walk (min)": t["walk_min"], "FRT cameras": t["frt_cameras"],
        "In view of FRT cameras (m)": round(t["metres_in_view"]),
        "Compared with the shortest": "cameras shared between routes counted once",
        "Avoids everything asked": "yes" if t["feasible"] else "NO", "Proven optimal": "",
    } for t in plan.totals() if t["kind"] != "shortest"]
    legs = [{
        "Route": j.name, "Leg": f"{leg.origin.name} → {leg.destination.name}",
        "Length (m)": round(leg.route.length_m), "FRT cameras": leg.route.frt_cameras,
        "In view (m)": round(leg.route.metres_in_view), "Avoids everything": "yes" if leg.feasible else "NO",
    } for j in plan.journeys if len(j.legs) > 1 for leg in j.legs]
    regroup = [{
        "Rank": g.rank, "Where": g.name, "Walk from the site (m)": round(g.distance_m),
        "FRT cameras seeing it": g.frt_cameras, "Camera ids": ", ".join(g.camera_ids) or "—",
        "lat,lon": f"{g.lat:.6f},{g.lon:.6f}",
    } for g in plan.regroup]
    failures = [{
        "Point": f.text if f.number is None else f"{f.number}. {f.text}", "Role": f.role,
        "Not planned because": f.reason,
    } for f in plan.failures]
    return PlanTables(
        failures=pd.DataFrame(failures, columns=list(PLAN_FAILURE_COLUMNS)),
        routes=pd.DataFrame(routes, columns=list(PLAN_ROUTE_COLUMNS)),
        totals=pd.DataFrame(totals, columns=list(PLAN_ROUTE_COLUMNS)),
        legs=pd.DataFrame(legs, columns=list(PLAN_LEG_COLUMNS)),
        regroup=pd.DataFrame(regroup, columns=list(PLAN_REGROUP_COLUMNS)),
    )
