"""`runxin demo`: an embedded database, migrated and seeded, tokens printed, the API served."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shlex
import sys

from rich.console import Console
from sqlalchemy import func, select

from runxin.cli.seeding import run_seed
from runxin.cli.tokens import issue_token
from runxin.platform.config import Settings
from runxin.platform.credentials import redact_url
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.db.migrate import upgrade
from runxin.platform.rollup.years import live_years
from runxin.platform.tree.models import Tenant
from runxin.tenants.scoping import ScopedSession, as_system

EXAMPLE_QUERY = """query {
  viewer { subject roles tenant { code name kind } }
  tenants(kind: SCHOOL, first: 3) {
    nodes { code name staffCounts { fullTime partTime total } stations(first: 1) { nodes { areaM2 weeklyOpenHours } } }
  }
}"""


async def sample_codes(settings: Settings) -> tuple[str, str, str] | None:
    """A city, one of its counties and one of that county's schools, if the database has any."""
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine, ScopedSession)() as session:
            as_system(session, "demo")
            if not (await session.execute(select(func.count()).select_from(Tenant))).scalar_one():
                return None
            city = (
                await session.execute(select(Tenant).where(Tenant.kind == "CITY").order_by(Tenant.code).limit(1))
            ).scalar_one()
            county = (
                await session.execute(select(Tenant).where(Tenant.parent_id == city.id).order_by(Tenant.code).limit(1))
            ).scalar_one()
            school = (
                await session.execute(select(Tenant.code).where(Tenant.parent_id == county.id).order_by(Tenant.code).limit(1))
            ).scalar_one()
            return city.code, county.code, school
    finally:
        await engine.dispose()


def ensure_boundaries(settings: Settings) -> None:
    """A database seeded before the console existed gets its synthetic county map now."""
    from runxin.cli.geofiles import generate_synthetic

    if not (settings.data_dir / "boundaries").is_dir():
        generate_synthetic(settings)


def print_console(console: Console, port: int, codes: tuple[str, str, str]) -> None:
    """The web console's address and whom its local sign-in offers."""
    console.rule("Web console")
    print(f"open http://127.0.0.1:{port}/ and sign in as a demo user (local sign-in, development and demo only):")
    for label, code in zip(("city", "county", "school"), codes, strict=True):
        print(f"  {label:<7} {code:<11} ADMIN or DATA_OFFICER")


def run_demo(settings: Settings, *, port: int, scale: str, serve: bool, console: Console) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    codes = asyncio.run(sample_codes(settings))
    if codes is None:
        summary = run_seed(settings, scale, 7, console)
        codes = (summary.city_code, summary.county_code, summary.school_code)
    else:
        console.print(f"reusing the seeded database at {redact_url(settings.database_url)}")
        ensure_boundaries(settings)
    url = f"http://127.0.0.1:{port}/graphql"
    console.rule("Runxin demo")
    tokens = {}
    for label, code, role in zip(("city", "county", "school"), codes, ("ADMIN", "ADMIN", "DATA_OFFICER"), strict=True):
        tokens[label] = asyncio.run(issue_token(settings, code, [role], None, 3600))
        console.print(f"[bold]{label}[/bold] {code} ({role}) token, valid 1 h:")
        print(tokens[label])
    body = json.dumps({"query": EXAMPLE_QUERY})
    console.print("\nExample query, as the county (use any token above):")
    print(f"export RUNXIN_TOKEN={tokens['county']}")
    print(
        f"curl -s {url} -H 'Content-Type: application/json' -H \"Authorization: Bearer $RUNXIN_TOKEN\" \\\n  -d {shlex.quote(body)}"
    )
    console.print(f"\nGraphiQL: open {url} in a browser and set the header Authorization: Bearer <token>.")
    period = str(live_years(dt.date.today())[-1])
    console.print(
        "\nThe reporting chain runs in this process (no broker needed): a school's change reaches its county's and "
        "city's rollups within a second. To walk a period up the tree, as each school: "
        f'mutation {{ reportSubmit(input: {{period: "{period}"}}) {{ report {{ approvalState }} userErrors {{ message }} }} }}; '
        f'as the county: reportApprove(input: {{tenantIds: [...], period: "{period}"}}) then reportSubmit; as the city: '
        "reportApprove for the counties, then reportAccept. Figures go to the city platform's endpoints "
        f"(runxin deliveries endpoint-add --city {codes[0]} --url https://...)."
    )
    print_console(console, port, codes)
    # The server runs until a signal ends the process: flush now so tokens reach a pipe or a log.
    sys.stdout.flush()
    if serve:
        from runxin.cli.serving import run_server

        console.print(f"serving on {url} (Ctrl-C to stop)")
        run_server(settings, "127.0.0.1", port)
