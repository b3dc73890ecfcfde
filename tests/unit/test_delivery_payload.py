"""The delivery body, the receiver's answer, and the ADX document: exact bytes, read back."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest

from runxin.platform.delivery.adx import ADX_NAMESPACE, adx_decimal, adx_document, adx_period
from runxin.platform.delivery.payload import Figure, payload_bytes, read_receipt, sha256_hex
from runxin.platform.periods import parse_period

AS_OF = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)


def figure(tenant: str, indicator: str, value: float | None, state: str = "REPORTED", kind: str = "COUNTY") -> Figure:
    return Figure(tenant, kind, "2025", indicator, 2, value, state, 3.0, 4.0, 4, 0, AS_OF, "2023")


FIGURES = [
    figure("360700", "STATION_COVERAGE", 0.75, kind="CITY"),
    figure("360702", "STATION_COVERAGE", 0.5),
    figure("360702", "TEACHER_RATIO", None, state="NOT_REPORTED"),
]


def test_the_body_is_compact_ordered_and_the_same_every_time() -> None:
    body = payload_bytes("360700", "2025", 2, FIGURES)
    assert body == payload_bytes("360700", "2025", 2, list(FIGURES))
    assert body.startswith(
        b'{"type":"figures.approved","city":"360700","period":"2025","version":2,"figures":[{"tenant":"360700",'
    )
    document = json.loads(body)
    assert list(document["figures"][0]) == [
        "tenant", "tenantKind", "period", "indicator", "version", "value", "state", "numerator", "denominator",
        "unitsTotal", "unitsNotReported", "asOf", "standardsVersion",
    ]  # fmt: skip
    assert document["figures"][2]["value"] is None
    assert document["figures"][0]["asOf"] == "2026-01-05T08:00:00+00:00"
    assert sha256_hex(body) == sha256_hex(payload_bytes("360700", "2025", 2, FIGURES))
    assert sha256_hex(body) != sha256_hex(payload_bytes("360700", "2025", 3, FIGURES))


def test_naive_times_from_sqlite_are_read_as_utc() -> None:
    naive = Figure("360700", "CITY", "2025", "X", 1, 1.0, "REPORTED", 1, 1, 1, 0, AS_OF.replace(tzinfo=None), "2023")
    assert naive.as_json()["asOf"] == "2026-01-05T08:00:00+00:00"


@pytest.mark.parametrize(
    ("body", "status", "rejected"),
    [
        (b"", "DELIVERED", []),
        (b"ok", "DELIVERED", []),
        (b'{"accepted": 3}', "DELIVERED", []),
        (b'{"rejected": []}', "DELIVERED", []),
        (b'{"rejected": "none"}', "DELIVERED", []),
        (b"[1, 2]", "DELIVERED", []),
        (b"\xff\xfe", "DELIVERED", []),
        (
            b'{"rejected": [{"tenant": "360702", "indicator": "TEACHER_RATIO", "reason": "unknown indicator"}, 7]}',
            "PARTIAL",
            [{"tenant": "360702", "indicator": "TEACHER_RATIO", "reason": "unknown indicator"}],
        ),
        (b'{"rejected": [{"tenant": 360702}]}', "PARTIAL", [{"tenant": "360702", "indicator": "", "reason": ""}]),
    ],
)
def test_a_2xx_body_is_read_for_partial_success(body: bytes, status: str, rejected: list[dict[str, str]]) -> None:
    receipt = read_receipt(body)
    assert (receipt.status, receipt.rejected) == (status, rejected)


@pytest.mark.parametrize(
    ("period", "adx"),
    [
        ("2025", "2025-01-01/P1Y"),
        ("202503", "2025-03-01/P1M"),
        ("202512", "2025-12-01/P1M"),
        ("2025T1", "2025-09-01/P5M"),
        ("2025T2", "2026-02-01/P6M"),
        ("2025SY", "2025-09-01/P1Y"),
    ],
)
def test_adx_periods_are_iso_start_and_duration(period: str, adx: str) -> None:
    assert adx_period(parse_period(period)) == adx


def test_adx_decimals_have_no_exponent() -> None:
    assert [adx_decimal(v) for v in (0.5, 12.0, 0.0, 1e-05, 0.1234567891234, -0.0)] == [
        "0.5",
        "12",
        "0",
        "0.00001",
        "0.1234567891",
        "0",
    ]


def test_the_adx_document_parses_back_to_the_reported_figures() -> None:
    # Given figures of a city and a county, one of them not reported
    text = adx_document(FIGURES, period="2025", exported=AS_OF)
    # When another system parses the document
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(text)
    ns = {"adx": ADX_NAMESPACE}
    # Then it finds the namespace, one group per tenant and the reported values only
    assert root.tag == f"{{{ADX_NAMESPACE}}}adx"
    assert root.get("exported") == "2026-01-05T08:00:00+00:00"
    groups = root.findall("adx:group", ns)
    assert [(g.get("orgUnit"), g.get("period"), g.get("dataSet")) for g in groups] == [
        ("360700", "2025-01-01/P1Y", "RUNXIN_INDICATORS"),
        ("360702", "2025-01-01/P1Y", "RUNXIN_INDICATORS"),
    ]
    values = {(g.get("orgUnit"), v.get("dataElement")): v.get("value") for g in groups for v in g.findall("adx:dataValue", ns)}
    assert values == {("360700", "STATION_COVERAGE"): "0.75", ("360702", "STATION_COVERAGE"): "0.5"}


def test_an_adx_document_without_figures_is_still_well_formed() -> None:
    root = ET.fromstring(adx_document([], period="2025T1", exported=AS_OF))
    assert root.findall(f"{{{ADX_NAMESPACE}}}group") == []
