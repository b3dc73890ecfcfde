"""The same approved figures as an IHE ADX document (Aggregate Data Exchange), for systems that speak DHIS2.

    <adx xmlns="urn:ihe:qrph:adx:2015" exported="2026-01-05T08:00:00+00:00">
      <group orgUnit="360700" period="2025-01-01/P1Y" dataSet="RUNXIN_INDICATORS">
        <dataValue dataElement="STATION_COVERAGE" value="0.75"/>
      </group>
    </adx>

One group per tenant (the city, then its counties), identified by the tenant's code; a data element
is an indicator code. ADX periods are an ISO 8601 start date and duration, derived from our period
ids: 2025 is 2025-01-01/P1Y, 202503 is 2025-03-01/P1M, 2025T1 is 2025-09-01/P5M, 2025SY is 2025-09-01/P1Y.

Values that are not reported, not applicable or suppressed are left out, which is what ADX means by
no data ("a dataValue that is absent has no value"); a value of zero is a reported zero. We do not
flag the reason with extra attributes: ADX consumers validate dataValue attributes against the data
structure definition, and unknown ones would make the whole document fail. Values are plain decimals
(xs:decimal has no exponent form), to ten decimal places at most.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from itertools import groupby
from typing import Any

from runxin.platform.delivery.payload import Figure, figures_for_city
from runxin.platform.periods import Period, parse_period

ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"
DATA_SET = "RUNXIN_INDICATORS"
REPORTED = "REPORTED"


def adx_period(period: Period) -> str:
    """`period` as ADX's start/duration, e.g. "2025-09-01/P5M" (whole years as PnY, else months)."""
    after = period.end + dt.timedelta(days=1)
    months = (after.year - period.start.year) * 12 + after.month - period.start.month
    duration = f"P{months // 12}Y" if months % 12 == 0 else f"P{months}M"
    return f"{period.start.isoformat()}/{duration}"


def adx_decimal(value: float) -> str:
    """A finite number as an xs:decimal (no exponent), trailing zeros dropped."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def adx_document(figures: Iterable[Figure], *, period: str, exported: dt.datetime | None = None) -> str:
    """The ADX XML (with declaration) for `figures` of one period; groups in the figures' order."""
    ET.register_namespace("", ADX_NAMESPACE)
    moment = (exported or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    root = ET.Element(f"{{{ADX_NAMESPACE}}}adx", {"exported": moment.isoformat()})
    adx_span = adx_period(parse_period(period))
    for tenant_code, group_figures in groupby(figures, key=lambda f: f.tenant_code):
        group = ET.SubElement(
            root, f"{{{ADX_NAMESPACE}}}group", {"orgUnit": tenant_code, "period": adx_span, "dataSet": DATA_SET}
        )
        for figure in group_figures:
            if figure.state != REPORTED or figure.value is None:
                continue  # absent means no data in ADX; see the module docstring
            ET.SubElement(
                group, f"{{{ADX_NAMESPACE}}}dataValue", {"dataElement": figure.indicator, "value": adx_decimal(figure.value)}
            )
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


async def adx_for_city(session: Any, city_id: uuid.UUID, period: str, *, exported: dt.datetime | None = None) -> str:
    """The city's and its counties' latest approved figures for `period` as ADX (the caller scopes the session)."""
    canonical = parse_period(period).id
    # Nothing approved yet gives a document without groups: readers see an export with no data.
    return adx_document(await figures_for_city(session, city_id, canonical), period=canonical, exported=exported)
