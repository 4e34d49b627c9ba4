"""Tests of exposure.policies: FRT policies (built-in and from CSV), verification policies, selection."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from exposure._errors import CameraDataError, PolicyError
from exposure.policies import (
    VERIFIED_BY,
    FrtPolicy,
    apply_frt_policy,
    describe_policies,
    frt_policy,
    passes_verification,
    select_cameras,
    verification_policy,
    verification_words,
)
from exposure.schema import FRT_CAPABLE_TIERS, VERIFICATIONS


def frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kind", "mount", "operator", "verification"])


def test_default_frt_policy_tiers() -> None:
    cameras = frame(
        [
            ("ptz", "building", "private", "verified"),
            ("dome", "unknown", "unknown", "verified"),
            ("fixed", "street", "private", "verified"),
            ("unknown", "building", "public", "verified"),
            ("fixed", "building", "private", "verified"),
            ("unknown", "building", "unknown", "verified"),
            ("unknown", "unknown", "unknown", "verified"),
            ("fixed", "unknown", "private", "verified"),
        ]
    )
    tiers = apply_frt_policy(cameras, frt_policy("default"))["frt_tier"].tolist()
    assert tiers == ["high", "high", "medium", "medium", "low", "low", "medium", "medium"]
    assert "frt_tier" not in cameras.columns  # a copy is returned


def test_builtin_policies() -> None:
    cameras = frame([("ptz", "street", "public", "verified"), ("fixed", "street", "public", "verified")])
    assert apply_frt_policy(cameras, frt_policy("all"))["frt_tier"].tolist() == ["high", "high"]
    assert apply_frt_policy(cameras, frt_policy("strict-ptz-dome"))["frt_tier"].tolist() == ["high", "low"]
    policy = frt_policy("default")
    assert frt_policy(policy) is policy
    assert "unknown" in policy.description


def test_frt_policy_csv(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("kind,mount,operator,frt_tier\nfixed,*,*,high\n*,*,*,low\n", encoding="utf-8")
    policy = frt_policy(path)
    assert policy.name == "mine"
    cameras = frame([("fixed", "building", "private", "verified"), ("ptz", "street", "public", "verified")])
    assert apply_frt_policy(cameras, policy)["frt_tier"].tolist() == ["high", "low"]
    assert frt_policy(str(path)).rules == policy.rules


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (
            "kind,mount,operator,frt_tier\nlaser,*,*,high\n*,*,*,low\n",
            r"bad\.csv, data row 1 \(line 2\), column 'kind': 'laser' is not valid",
        ),
        (
            "kind,mount,operator,frt_tier\n*,*,*,huge\n",
            r"line 2\), column 'frt_tier': 'huge' is not valid; use one of high, medium, low",
        ),
        (
            "kind,mount,operator,frt_tier\nptz,*,*,high\n",
            r"last rule must match every camera; add a final rule",
        ),
        ("kind,mount,frt_tier\n*,*,low\n", r"missing column\(s\) operator"),
        ("kind,mount,operator,frt_tier\n", r"has no rules"),
    ],
)
def test_frt_policy_csv_errors(tmp_path: Path, content: str, pattern: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyError, match=pattern):
        frt_policy(path)


def test_frt_policy_errors(tmp_path: Path) -> None:
    with pytest.raises(
        PolicyError, match=r"unknown FRT policy 'lenient'; use one of default, all, strict-ptz-dome"
    ):
        frt_policy("lenient")
    with pytest.raises(PolicyError, match=r"nothere\.csv not found"):
        frt_policy(tmp_path / "nothere.csv")
    with pytest.raises(PolicyError, match="last rule must match every camera"):
        FrtPolicy(name="x", description="", rules=(("ptz", "*", "*", "high"),))
    with pytest.raises(PolicyError, match=r"rule 1, column 'mount': 'roof' is not valid"):
        FrtPolicy(name="x", description="", rules=(("*", "roof", "*", "high"),))
    with pytest.raises(PolicyError, match="has no rules"):
        FrtPolicy(name="x", description="", rules=())
    with pytest.raises(CameraDataError, match=r"lacks column\(s\) mount, operator"):
        apply_frt_policy(pd.DataFrame({"kind": ["ptz"]}), frt_policy("default"))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("default", {"verified", "unverified", "disputed"}),
        ("majority", {"verified", "unverified"}),
        ("any", set(VERIFICATIONS)),
        ("verified", {"verified"}),
        ("verified, Disputed", {"verified", "disputed"}),
        (["unverified"], {"unverified"}),
        ("group", {"verified@group"}),
        ("verified@group, unverified@GROUP", {"verified@group", "unverified@group"}),
        ("verified@source,disputed", {"verified@source", "disputed"}),
    ],
)
def test_verification_policy(spec: str | list[str], expected: set[str]) -> None:
    assert verification_policy(spec) == frozenset(expected)


@pytest.mark.parametrize("spec", ["maybe", "verified,maybe", "", [], "verified@me", "gone@group", "@group"])
def test_verification_policy_errors(spec: str | list[str]) -> None:
    with pytest.raises(PolicyError, match=r"verification policy .*use default, any, majority, verified, group, or a "
                                          r"comma list of verified, unverified, disputed \(each perhaps with "
                                          r"@source or @group: who set it\)"):
        verification_policy(spec)


def test_select_cameras_and_describe() -> None:
    cameras = frame(
        [
            ("ptz", "street", "public", "verified"),
            ("fixed", "building", "private", "unverified"),
            ("dome", "street", "public", "disputed"),
        ]
    )
    cameras.index = [10, 11, 12]
    assert len(select_cameras(cameras)) == 3  # the default counts every status, as Amnesty's totals do
    selected = select_cameras(cameras, verification="majority")
    assert selected.index.tolist() == [0, 1]
    assert selected["frt_capable"].tolist() == [True, False]
    assert selected["frt_capable"].dtype == bool
    everything = select_cameras(cameras, frt_policy="all", verification="any")
    assert everything["frt_capable"].all()
    assert len(everything) == 3
    assert describe_policies("strict-ptz-dome", ["disputed", "verified"]) == {
        "frt_policy": "strict-ptz-dome",
        "frt_capable_tiers": list(FRT_CAPABLE_TIERS),
        "verification": ["disputed", "verified"],
        "verification_words": "verified, disputed",
    }
    json.dumps(describe_policies("default", "default"))


def test_who_verified_a_camera_counts_as_a_status_of_its_own() -> None:
    cameras = pd.DataFrame({
        "kind": ["ptz"] * 5, "mount": ["street"] * 5, "operator": ["public"] * 5,
        "verification": ["verified", "verified", "unverified", "disputed", "unverified"],
        "verified_by": ["group", "source", "group", "group", "source"],
    })
    assert passes_verification(cameras, "group").tolist() == [True, False, False, False, False]
    assert passes_verification(cameras, "verified").tolist() == [True, True, False, False, False]
    assert passes_verification(cameras, "verified@source").tolist() == [False, True, False, False, False]
    assert passes_verification(cameras, "verified@group,unverified@group").tolist() == [
        True, False, True, False, False]
    assert passes_verification(cameras, "default").all()
    assert passes_verification(cameras, "group").dtype == bool
    assert select_cameras(cameras, verification="group").index.tolist() == [0]
    assert select_cameras(cameras, verification="group")["verified_by"].tolist() == ["group"]
    # a table without verified_by was verified by its source alone: the group verified none of it
    plain = cameras.drop(columns="verified_by")
    assert not passes_verification(plain, "group").any()
    assert passes_verification(plain, "verified@source").tolist() == [True, True, False, False, False]
    assert select_cameras(plain, verification="group").empty
    with pytest.raises(CameraDataError, match="lacks the column verification"):
        passes_verification(cameras.drop(columns="verification"), "group")
    assert VERIFIED_BY == ("source", "group")


@pytest.mark.parametrize(("spec", "words"), [
    ("default", "every status"),
    ("any", "every status"),
    ("majority", "verified, unverified"),
    ("group", "verified by your group"),
    ("verified@source,disputed", "verified by the source, disputed"),
    ("verified@group,unverified@group,verified", "verified, verified by your group, unverified by your group"),
])
def test_every_figure_can_say_in_words_what_it_counted(spec: str, words: str) -> None:
    assert verification_words(spec) == words
    assert describe_policies("default", spec)["verification_words"] == words
    assert describe_policies("default", "group")["verification"] == ["verified@group"]
