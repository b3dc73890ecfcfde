"""Runxin beside PostGraphile v5 over the same PostgreSQL database, with the same load, one command.

    make bench-compare                  # or: .venv/bin/python bench/compare.py
    .venv/bin/python bench/compare.py --only Q1,Q3 --duration 5 --repetitions 1

Seeds a province (`runxin seed --scale province`) into --database-url on first use and reuses it
after; creates PostGraphile's schema of views and functions (bench/postgraphile/schema.sql); starts
`runxin serve` and PostGraphile (bench/postgraphile, pinned versions); checks that both, and the raw
SQL floor, give the same answer to one request of each query (a mismatch stops the run); then drives
both with wrk at --connections connections, interleaved A B A B, --repetitions times --duration s:

  Q1  a city's counties with their indicators (schools, full-time teachers, station and full-time
      teacher coverage), as the city's VIEWER
  Q2  a county's first 100 schools with staff counts by kind, as the county's VIEWER
  Q3  a school's own page (station, staff as the disclosure policy shows them, this year's credits,
      target progress), as the school's DATA_OFFICER
  Q4  a write and a read back: the school's station hours (as the school), then the county's
      standard-station figure (as the county); counted in pairs per second

Two sections: "one core each" (each server one process pinned to CPU 0 with taskset, wrk on CPU 1)
and "all cores" (Runxin --workers 2 when `runxin serve` has the option, PostGraphile under
node:cluster with 2 workers, nothing pinned). The raw floor is each answer as one asyncpg statement.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import compare_queries as q
import httpx
from _common import ROOT, migrate_and_seed, runxin, runxin_env
from compare_floor import FloorResult, floor_answer, floor_statements, run_floor
from compare_report import environment_facts, print_report
from compare_servers import (
    RssSampler,
    Server,
    ensure_pgl_installed,
    pgl_server,
    runxin_has_workers_option,
    runxin_server,
    wait_quiet,
)
from compare_setup import app_role_url, apply_pgl_schema, ensure_database, pending_rollups, pick_sample, restore_stations
from loadgen import Request, WrkResult, run_wrk, write_spec, wrk_path

QUERIES = ("Q1", "Q2", "Q3", "Q4")


@dataclass
class Run:
    per_second: float
    p50_ms: float
    p99_ms: float
    rss_bytes: int | None
    errors: int


@dataclass
class Figures:
    """Every run of each (section, query, variant)."""

    runs: dict[tuple[str, str, str], list[Run]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, section: str, query: str, variant: str, run: Run) -> None:
        self.runs.setdefault((section, query, variant), []).append(run)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


@dataclass
class Tokens:
    city: str
    county: str
    school: str  # Q3's school (DATA_OFFICER)
    schools: dict[str, str]  # station id -> a DATA_OFFICER token of the school that owns it (Q4)


def requests_for(query: str, sample: q.Sample, tokens: Tokens, runxin_side: bool) -> list[Request]:
    """The requests wrk cycles through for `query` against one server."""
    rx = q.runxin_variables(sample)
    if query == "Q4":
        read = (
            Request({"query": q.RUNXIN_Q4_READ, "variables": rx["Q4_READ"]}, tokens.county)
            if runxin_side
            else Request({"query": q.PGL_Q4_READ, "variables": rx["Q4_READ"]})
        )
        cycle: list[Request] = []
        for station, hours in sample.q4_writes():
            variables = q.q4_write_variables(station, hours, runxin_side)
            if runxin_side:
                cycle.append(Request({"query": q.RUNXIN_Q4_WRITE, "variables": variables}, tokens.schools[station.id]))
            else:
                cycle.append(Request({"query": q.PGL_Q4_WRITE, "variables": variables}))
            cycle.append(read)
        return cycle
    token = {"Q1": tokens.city, "Q2": tokens.county, "Q3": tokens.school}[query]
    if runxin_side:
        return [Request({"query": getattr(q, f"RUNXIN_{query}"), "variables": rx[query]}, token)]
    return [Request({"query": getattr(q, f"PGL_{query}"), "variables": rx[query]})]


def _post(server: Server, request: Request) -> dict:
    headers = {"Authorization": f"Bearer {request.token}"} if request.token else {}
    answer = httpx.post(server.base_url + request.path, json=request.body, headers=headers, timeout=60)
    body = answer.json()
    if answer.status_code != 200 or body.get("errors"):
        raise SystemExit(f"{server.name} refused {request.body['query'].split('(')[0].strip()}: {answer.status_code} {body}")
    return body["data"]


def answer_of(query: str, server: Server, sample: q.Sample, tokens: Tokens, runxin_side: bool) -> tuple:
    requests = requests_for(query, sample, tokens, runxin_side)
    if query == "Q4":
        write, read = _post(server, requests[0]), _post(server, requests[1])
        return (q.q4_runxin if runxin_side else q.q4_pgl)(write, read)
    canonical = getattr(q, f"{query.lower()}_{'runxin' if runxin_side else 'pgl'}")
    return canonical(_post(server, requests[0]))


def check_answers(queries: list[str], runxin_srv: Server, pgl_srv: Server, dsn: str, sample: q.Sample, tokens: Tokens) -> None:
    """One request of each query on each side and on the floor; any difference stops the benchmark."""
    statements = floor_statements(sample)
    for query in queries:
        answers = {
            runxin_srv.name: answer_of(query, runxin_srv, sample, tokens, True),
            pgl_srv.name: answer_of(query, pgl_srv, sample, tokens, False),
            "raw SQL": asyncio.run(floor_answer(dsn, statements[query])),
        }
        reference = answers[runxin_srv.name]
        if not reference:
            raise SystemExit(f"{query}: Runxin's answer is empty; the sample tenants have nothing to compare.")
        for name, answer in answers.items():
            if answer != reference:
                print(f"MISMATCH in {query}: {runxin_srv.name} and {name} answer differently.")
                for left, right in zip(reference, answer, strict=False):
                    if left != right:
                        print(f"  {runxin_srv.name}: {left!r}\n  {name}: {right!r}")
                        break
                else:
                    print(f"  {runxin_srv.name}: {len(reference)} items, {name}: {len(answer)} items")
                raise SystemExit(1)
        print(f"  {query}: the same answer from {', '.join(answers)}")


def settle(pair: tuple[Server, Server], dsn: str, figures: Figures) -> None:
    """Before a run: Runxin's rollups settled (nothing pending in the outbox, so its reads are the
    usual lookups), and both servers idle (the last run's backlog and Runxin's recomputes done)."""
    deadline = time.monotonic() + 60
    while asyncio.run(pending_rollups(dsn)) and time.monotonic() < deadline:
        time.sleep(0.5)
    pending = asyncio.run(pending_rollups(dsn))
    quiet = wait_quiet(list(pair))
    if pending:
        figures.note(f"{pending} tenants were still pending in Runxin's rollup outbox at the start of a run after 60 s.")
    if not quiet:
        figures.note("a server was still busy (over 5% of a core) 30 s after a run; the next run started anyway.")


def load(server: Server, spec: Path, seconds: float, connections: int, wrk_cpus: str | None, threads: int) -> Run:
    with RssSampler(server) as rss:
        result: WrkResult = run_wrk(
            server.base_url, spec, seconds=seconds, connections=connections, threads=threads, cpus=wrk_cpus
        )
    return Run(result.per_second, result.p50_ms, result.p99_ms, rss.peak, result.bad + result.wrk_errors)


def measure_section(
    section: str,
    pair: tuple[Server, Server],
    queries: list[str],
    sample: q.Sample,
    tokens: Tokens,
    args: argparse.Namespace,
    figures: Figures,
    *,
    wrk_cpus: str | None,
    wrk_threads: int,
    workdir: Path,
) -> None:
    for server in pair:
        server.start()
    try:
        check_answers(queries, pair[0], pair[1], args.dsn, sample, tokens)
        for query in queries:
            specs = {
                server.name: write_spec(requests_for(query, sample, tokens, index == 0), workdir / f"{query}-{index}.lua")
                for index, server in enumerate(pair)
            }
            for server in pair:  # warm-up: JIT, caches, pools; not counted
                settle(pair, args.dsn, figures)
                load(server, specs[server.name], args.warmup, args.connections, wrk_cpus, wrk_threads)
            for repetition in range(args.repetitions):
                for server in pair:  # A B A B
                    settle(pair, args.dsn, figures)
                    run = load(server, specs[server.name], args.duration, args.connections, wrk_cpus, wrk_threads)
                    if query == "Q4":
                        run.per_second /= 2  # a write and a read make one pair
                    figures.add(section, query, server.name, run)
                    print(
                        f"  {section:13s} {query} {server.name:22s} rep {repetition + 1}: {run.per_second:8.1f}/s  "
                        f"p50 {run.p50_ms:7.2f} ms  p99 {run.p99_ms:7.2f} ms  RSS {run.rss_bytes / 2**20:6.0f} MiB"
                        + (f"  {run.errors} errors" if run.errors else "")
                    )
    finally:
        for server in pair:
            server.stop()


def measure_floor(queries: list[str], sample: q.Sample, args: argparse.Namespace, figures: Figures) -> None:
    statements = floor_statements(sample)
    for query in queries:
        for repetition in range(args.repetitions):
            result: FloorResult = asyncio.run(
                run_floor(args.dsn, statements[query], seconds=args.duration, connections=args.connections)
            )
            figures.add("raw floor", query, "raw SQL (asyncpg)", Run(result.per_second, result.p50_ms, result.p99_ms, None, 0))
            print(f"  raw floor     {query} rep {repetition + 1}: {result.per_second:8.1f}/s  p50 {result.p50_ms:7.2f} ms")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/runxin_compare")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per measured run (default 15)")
    parser.add_argument("--repetitions", type=int, default=2, help="runs per server and query, interleaved (default 2)")
    parser.add_argument("--connections", type=int, default=10, help="concurrent connections (default 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds per server and query first")
    parser.add_argument("--only", default=",".join(QUERIES), help="queries to run, e.g. Q1,Q3")
    parser.add_argument(
        "--runxin-role",
        choices=("app", "owner"),
        default="app",
        help="app (default): Runxin connects as a login role in runxin_app, under row-level security, as in production; "
        "owner: as the --database-url user (a superuser bypasses row-level security, as PostGraphile here does)",
    )
    parser.add_argument(
        "--response-cache",
        choices=("on", "off"),
        default="on",
        help="on (default): Runxin's response cache as deployed; off: every request executes (RUNXIN_RESPONSE_CACHE_MB=0)",
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/0", help="the Redis that `runxin serve --workers 2` shares its state through"
    )
    parser.add_argument("--no-all-cores", action="store_true", help="skip the all-cores section")
    parser.add_argument("--no-floor", action="store_true", help="skip the raw-SQL floor")
    args = parser.parse_args(argv)
    args.queries = [part.strip().upper() for part in args.only.split(",") if part.strip()]
    unknown = sorted(set(args.queries) - set(QUERIES))
    if unknown or not args.queries:
        parser.error(f"--only takes a comma-separated list of {', '.join(QUERIES)}; got {args.only!r}")
    if args.duration < 1 or args.repetitions < 1 or args.connections < 1:
        parser.error("--duration, --repetitions and --connections must be at least 1")
    if not args.database_url.startswith("postgresql+asyncpg://"):
        parser.error("--database-url must be postgresql+asyncpg://user@host:port/db (the comparison is on PostgreSQL)")
    args.dsn = args.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    wrk_path()
    ensure_pgl_installed()
    asyncio.run(ensure_database(args.dsn))
    data_dir = ROOT / ".data" / "compare"
    owner_env = runxin_env(args.database_url, data_dir, RUNXIN_TOKEN_TTL_SECONDS="3600")
    print(migrate_and_seed(owner_env, "province"))
    asyncio.run(apply_pgl_schema(args.dsn))
    # By default Runxin runs as production does: a login role in runxin_app, under row-level security.
    # Every request is still costed; the per-principal bucket is raised so the load is never rate-limited.
    serve_url = asyncio.run(app_role_url(args.dsn, args.database_url)) if args.runxin_role == "app" else args.database_url
    env = runxin_env(serve_url, data_dir, RUNXIN_COST_BUCKET="10000000", RUNXIN_COST_PER_SECOND="1000000")
    if args.response_cache == "off":
        env["RUNXIN_RESPONSE_CACHE_MB"] = "0"
    sample = asyncio.run(pick_sample(args.dsn))
    tokens = Tokens(
        city=runxin("token", "--tenant", sample.city, "--role", "VIEWER", env=owner_env),
        county=runxin("token", "--tenant", sample.county, "--role", "VIEWER", env=owner_env),
        school=runxin("token", "--tenant", sample.school, "--role", "DATA_OFFICER", env=owner_env),
        schools={s.id: runxin("token", "--tenant", s.school, "--role", "DATA_OFFICER", env=owner_env) for s in sample.stations},
    )
    print(f"city {sample.city}, county {sample.county}, school {sample.school}, school year {sample.year}")
    facts = asyncio.run(environment_facts(args.dsn, serve_url.replace("postgresql+asyncpg://", "postgresql://", 1)))
    figures = Figures()
    started = dt.datetime.now(dt.UTC)
    try:
        with tempfile.TemporaryDirectory(prefix="runxin-compare-") as workdir:
            one = (runxin_server(env, cpus="0"), pgl_server(args.dsn, cpus="0"))
            measure_section(
                "one core each",
                one,
                args.queries,
                sample,
                tokens,
                args,
                figures,
                wrk_cpus="1",
                wrk_threads=1,
                workdir=Path(workdir),
            )
            if not args.no_all_cores:
                if runxin_has_workers_option(env):
                    # Several processes share the cost buckets and the callers' standing through Redis.
                    shared = {**env, "RUNXIN_REDIS_URL": args.redis_url, "RUNXIN_REDIS_PREFIX": "runxin-compare:"}
                    rx_all = runxin_server(shared, cpus=None, workers=2)
                else:
                    rx_all = runxin_server(env, cpus=None)
                    figures.notes.append(
                        "all cores: `runxin serve` has no --workers option yet, so Runxin ran one process unpinned."
                    )
                pair = (rx_all, pgl_server(args.dsn, cpus=None, workers=2))
                measure_section(
                    "all cores",
                    pair,
                    args.queries,
                    sample,
                    tokens,
                    args,
                    figures,
                    wrk_cpus=None,
                    wrk_threads=2,
                    workdir=Path(workdir),
                )
            if not args.no_floor:
                measure_floor(args.queries, sample, args, figures)
    finally:
        asyncio.run(restore_stations(args.dsn))
    print_report(figures, facts, args, sample, started)


if __name__ == "__main__":
    sys.exit(main())
