"""The printable period report over HTTP: a county's PDF, read back with pypdf, shows its own
indicators, each school's, the target's progress and the report's approval state, with the numbers."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from runxin.graphql.ids import encode_id
from runxin.platform.reporting.models import Report
from runxin.platform.rollup.years import current_school_year
from tests.factories.tree import make_tree

STATION = "mutation ($input: StationCreateInput!) { stationCreate(input: $input) { userErrors { code message } } }"
PROFILE = "mutation ($input: SchoolProfileUpdateInput!) { schoolProfileUpdate(input: $input) { userErrors { code message } } }"
TARGET = "mutation ($input: TargetCreateInput!) { targetCreate(input: $input) { userErrors { code message } } }"
INDICATORS = """
query ($code: String!, $year: Int!) { tenant(code: $code) { indicators(codes: ["STATION_COVERAGE"], year: $year) { value numerator denominator } } }
"""


async def pdf(api, tenant, code: str, period: str):  # type: ignore[no-untyped-def]
    return await api.client.get(f"/reports/{code}/{period}.pdf", headers={"Authorization": f"Bearer {api.token_for(tenant)}"})


def text_of(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_a_countys_report_prints_its_figures_its_schools_its_target_and_its_state(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county of three schools, two with a station, a target and an approved report
    tree = await make_tree(system_session, counties=2, schools_per_county=3)
    county = tree.counties[0]
    schools = tree.schools[county.code]
    for school in schools:
        body = await api.gql(PROFILE, {"input": {"tenantId": encode_id("Tenant", school.id), "centralRank": True}}, as_=school)
        assert body["data"]["schoolProfileUpdate"]["userErrors"] == []
    for school in schools[:2]:
        body = await api.gql(
            STATION,
            {"input": {"tenantId": encode_id("Tenant", school.id), "name": "阳光辅导站", "areaM2": 30, "weeklyOpenHours": 10}},
            as_=school,
        )
        assert body["data"]["stationCreate"]["userErrors"] == []
    due = dt.date(dt.date.today().year + 1, 12, 31).isoformat()
    body = await api.gql(
        TARGET,
        {
            "input": {
                "scopeTenantId": encode_id("Tenant", county.id),
                "indicator": "STATION_COVERAGE",
                "value": 1.0,
                "dueDate": due,
            }
        },
        as_=county,
    )
    assert body["data"]["targetCreate"]["userErrors"] == []
    period = f"{current_school_year(dt.date.today())}SY"
    system_session.add(Report(tenant_id=county.id, root_id=county.root_id, period=period, state="APPROVED", version=2))
    await system_session.flush()
    year = current_school_year(dt.date.today())
    figures = (await api.gql(INDICATORS, {"code": county.code, "year": year}, as_=county))["data"]["tenant"]["indicators"][0]
    # When the county prints its report for the period
    response = await pdf(api, county, county.code, period)
    # Then it is a PDF whose text names the county, the period, the state and version
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = text_of(response.content)
    assert county.name in text and period in text
    assert "已审核" in text and "APPROVED" in text and "版本：2" in text
    # And the county's station coverage with its numerator and denominator, as the API computes it
    assert (figures["numerator"], figures["denominator"]) == (2, 3)
    expected = f"{figures['value'] * 100:.1f}%"
    assert f"STATION_COVERAGE{expected}{figures['numerator']:g}{figures['denominator']:g}" in text.replace(" ", "").replace(
        "\n", ""
    )
    # And every school of the county, and the target's progress
    for school in schools:
        assert school.code in text and school.name in text
    assert "目标进展" in text and "100.0%" in text and due in text


async def test_a_school_cannot_print_its_county_or_a_sibling_countys_report(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    county, other = tree.counties
    school = tree.schools[county.code][0]
    refused = await pdf(api, school, county.code, "2025")
    assert refused.status_code == 403, refused.text
    assert (await pdf(api, county, other.code, "2025")).status_code == 404
    assert (await pdf(api, county, county.code, "2025X")).status_code == 400
    assert (await api.client.get(f"/reports/{county.code}/2025.pdf")).status_code == 401
    # The city prints its county's report
    response = await pdf(api, tree.city, county.code, "2025")
    assert response.status_code == 200 and county.name in text_of(response.content)
