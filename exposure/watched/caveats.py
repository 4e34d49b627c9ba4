"""What to keep in mind beside the figures: the camera sources, the method, how it differs from Amnesty's study."""

from __future__ import annotations

from typing import Any

__all__ = ["CI_METHOD", "SOURCE_CAVEATS", "amnesty_caveats", "correlation_caveats", "source_caveats"]

#: What to keep in mind about each camera source, by the cameras' ``source`` value.
SOURCE_CAVEATS: dict[str, str] = {
    "decode": "Volunteers counted cameras visible from Street View at intersections: an undercount. Cameras in "
              "the middle of blocks, inside buildings or out of the picture are missing, and the images were taken "
              "in different years (Amnesty International, Decode Surveillance NYC).",
    "osm": "OpenStreetMap cameras are mapped by volunteers wherever someone happened to map them: coverage varies "
           "street by street, so a low density can mean unmapped rather than unwatched.",
    "cctv-exposure": "CCTV-Exposure cameras were mapped on foot by researchers in one study area: outside it no "
                     "camera is known, and inside it cameras out of sight of the street are missing.",
}


#: How the 95 % interval of a rank correlation is worked out, for the caveats and the JSON.
CI_METHOD = "Fisher z with the Bonett-Wright standard error sqrt((1 + rho^2/2) / (n - 3))"


def source_caveats(sources: Any) -> list[str]:
    """The caveats of the camera sources counted (None: the sources are not known)."""
    if sources is None:
        return ["Where the cameras come from is not recorded with these figures: they are only as complete as the "
                "camera data, so say who mapped the cameras, where and when."]
    names = sorted({str(s) for s in sources})
    out = [SOURCE_CAVEATS[s] for s in names if s in SOURCE_CAVEATS]
    others = [s for s in names if s not in SOURCE_CAVEATS]
    if others:
        out.append(f"Cameras from {', '.join(others)}: the figures are only as complete as that data; say who mapped "
                   "the cameras, where and when.")
    return out


def correlation_caveats(*, label: str, min_population: float, excluded: dict[str, int], uncovered: list[str],
                        vintage: str, sources: Any = None, extent: str = "") -> tuple[str, ...]:
    """The caveats of a rank correlation: exclusions, the camera sources, what correlation and the figures say."""
    out = []
    if excluded.get("no_camera_data"):
        where = f" ({extent})" if extent else ""
        out.append(f"{excluded['no_camera_data']} area(s) left out: outside where the camera source looked{where}. "
                   "They have no camera data, which is not the same as few cameras; the maps show them grey and the "
                   "exports leave their camera figures empty.")
    out += [
        *source_caveats(sources),
        "Correlation is not a cause. A rank correlation says whether areas with more non-white residents tend to "
        f"have more {label}, not why: shopping streets, transit hubs, public housing and where the police put "
        "cameras all differ between neighbourhoods.",
        f"Areas with few residents (parks, cemeteries, airports) are left out: population < {min_population:g} "
        f"({excluded['population_below_threshold']} area(s)).",
        "Non-white share is 1 − the share of non-Hispanic White residents; it lumps together groups with "
        "different histories of policing.",
        f"The interval is 95 % ({CI_METHOD}). It treats areas as independent; neighbouring areas are alike, so "
        "the real uncertainty is larger.",
    ]
    if vintage:
        out.append(f"Population and race are {vintage}: survey figures with margins of error, large for small "
                   "areas.")
    if uncovered:
        out.append(f"Left out because the camera file has no camera there (it does not cover them): "
                   f"{', '.join(uncovered)} ({excluded['group_without_cameras']} area(s)).")
    if excluded["measure_not_defined"]:
        out.append(f"{excluded['measure_not_defined']} area(s) left out: {label} is not defined there "
                   "(no street network loaded, or no area).")
    return tuple(out)


def amnesty_caveats(*, areas: str, vintage: str, threshold: float, sources: Any) -> tuple[str, ...]:
    """How Amnesty's model on these areas differs from Amnesty's study, and what its figures do not say."""
    where = "New York's 2020 Neighborhood Tabulation Areas" if areas == "nyc-nta" else f"the areas {areas}"
    return (
        f"Not the same study. Amnesty fitted this model to 2019 census tracts with the ACS 2015–2019; here the areas "
        f"are {where}" + (f" with the {vintage}" if vintage else "") + ". NTAs are several tracts each, so "
        f"{threshold:g} effective cameras per 1,000 residents means something else at this scale, and the "
        "neighbourhoods changed between the surveys: compare the direction of the result, not the numbers.",
        "Non-white here is Amnesty's measure: Black plus Hispanic residents over Black plus Hispanic plus white "
        "residents (Asian and other residents are left out); the rank correlation uses 1 − the white share.",
        "Effective cameras count only cameras on street furniture: the ground within 120 m of them, each stretch of "
        "ground once, in units of one camera's disc. Cameras on buildings do not count.",
        *source_caveats(sources),
        "The Wald interval and p-value treat areas as independent; neighbouring areas are alike, so the real "
        "uncertainty is larger. A group where every area is on one side of the threshold, or where the share "
        "separates the two sides completely, has no estimate.",
    )

