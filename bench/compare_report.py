"""The printed result of bench/compare.py: what was measured, on what, and the table of figures."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
from typing import Any

import asyncpg
from _common import ROOT
from compare_servers import PGL_DIR, pgl_node
from rich.console import Console
from rich.table import Table


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float:
    try:
        with open("/proc/meminfo") as f:
            return int(f.readline().split()[1]) / 2**20
    except OSError:
        return 0.0


def _run(argv: list[str], **kwargs: Any) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    except OSError:
        return "unknown"
    return (done.stdout or done.stderr).strip()


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    commit = _run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = " (uncommitted changes)" if _run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"]) else ""
    pgl = json.loads((PGL_DIR / "node_modules" / "postgraphile" / "package.json").read_text())["version"]
    wrk = _run(["wrk", "--version"]).splitlines()
    return {
        "runxin": f"{version('runxin')} at {commit}{dirty}, Python {platform.python_version()}",
        "postgraphile": f"{pgl} (Amber preset), Node {_run([pgl_node(), '--version'])}",
        "wrk": wrk[0].split(" [")[0] if wrk else "unknown",
    }


async def _role_of(dsn: str) -> str:
    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(
            "SELECT current_user AS name, rolsuper OR rolbypassrls AS bypasses FROM pg_roles WHERE rolname = current_user"
        )
    finally:
        await connection.close()
    rls = "which bypasses row-level security" if row["bypasses"] else "under row-level security"
    return f"{row['name']}, {rls}"


async def environment_facts(dsn: str, runxin_dsn: str) -> dict[str, str]:
    """What the report says about the machine, the database, the versions and the roles."""
    pgl_role, runxin_role = await _role_of(dsn), await _role_of(runxin_dsn)
    connection = await asyncpg.connect(dsn)
    try:
        server = await connection.fetchval("SHOW server_version")
        size = await connection.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
        counts = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM tenant) AS tenants, (SELECT count(*) FROM staff) AS staff, "
            "(SELECT count(*) FROM aggregate) AS figures"
        )
    finally:
        await connection.close()
    return {
        "machine": f"{_cpu_model()}, {os.cpu_count()} cores, {_memory_gib():.0f} GiB, {platform.system()} {platform.release()}",
        "postgresql": f"PostgreSQL {server} on the same machine",
        "database": f"{size}: {counts['tenants']:,} tenants, {counts['staff']:,} staff, {counts['figures']:,} stored figures",
        "roles": f"Runxin connects as {runxin_role}; PostGraphile connects as {pgl_role}",
        **_versions(),
    }


def _mib(value: int | None) -> str:
    return "—" if value is None else f"{value / 2**20:.0f}"


def print_report(figures: Any, facts: dict[str, str], args: Any, sample: Any, started: dt.datetime) -> None:
    console = Console(width=None if sys.stdout.isatty() else 150)
    console.print()
    console.print(f"[bold]Runxin / PostGraphile[/bold]  {started:%Y-%m-%d %H:%M} UTC")
    load = (
        f"{facts['wrk']} on the same machine, {args.connections} connections, {args.repetitions} x {args.duration:g} s "
        f"per server and query, interleaved A B A B after {args.warmup:g} s of warm-up"
    )
    lines = [
        ("machine", facts["machine"]),
        ("database", f"{facts['postgresql']}; {facts['database']}"),
        ("Runxin", facts["runxin"]),
        ("PostGraphile", facts["postgraphile"]),
        ("load", load),
        ("one core each", "each server one process pinned to CPU 0 (taskset), wrk pinned to CPU 1; PostgreSQL unpinned"),
        ("roles", facts["roles"]),
        ("Runxin's extra work", "per request: token check, cost accounting, disclosure checks, one audit row written"),
        (
            "response cache",
            "on: answers kept per caller and data version (one version look-up per request; a write invalidates exactly)"
            if getattr(args, "response_cache", "on") == "on"
            else "off: every request executes (RUNXIN_RESPONSE_CACHE_MB=0)",
        ),
        ("sample", f"city {sample.city}, county {sample.county}, school {sample.school}, school year {sample.year}"),
        ("Q4", "a station write as the school and the county's figure read back, in pairs per second; p50/p99 per request"),
    ]
    for label, text in lines + [("note", note) for note in figures.notes]:
        console.print(f"  [dim]{label:>19}[/dim]  {text}")
    table = Table(show_lines=False)
    for column, justify in (
        ("section", "left"),
        ("query", "left"),
        ("variant", "left"),
        ("req/s", "right"),
        ("runs", "right"),
        ("p50 ms", "right"),
        ("p99 ms", "right"),
        ("RSS MiB", "right"),
        ("errors", "right"),
        ("Runxin / PGL", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    sections = list(dict.fromkeys(key[0] for key in figures.runs))
    for section in sections:
        for query in dict.fromkeys(key[1] for key in figures.runs if key[0] == section):
            variants = [key[2] for key in figures.runs if key[0] == section and key[1] == query]
            rates = {v: statistics.fmean(r.per_second for r in figures.runs[section, query, v]) for v in variants}
            runxin = next((v for v in variants if v.startswith("Runxin")), None)
            pgl = next((v for v in variants if v.startswith("PostGraphile")), None)
            for variant in variants:
                runs = figures.runs[section, query, variant]
                ratio = ""
                if variant == runxin and pgl and rates[pgl]:
                    ratio = f"[bold]{rates[runxin] / rates[pgl]:.2f}[/bold]"
                table.add_row(
                    section,
                    query,
                    variant,
                    f"{rates[variant]:.1f}",
                    " / ".join(f"{r.per_second:.0f}" for r in runs),
                    f"{statistics.fmean(r.p50_ms for r in runs):.2f}",
                    f"{max(r.p99_ms for r in runs):.2f}",
                    _mib(max((r.rss_bytes for r in runs if r.rss_bytes is not None), default=None)),
                    str(sum(r.errors for r in runs)),
                    ratio,
                )
        table.add_section()
    console.print(table)
    console.print(
        "  req/s: mean of the runs (each run's figure in 'runs'); p50: mean; p99: the worst run; RSS: the peak,"
        " summed over a server's processes. The machine may be shared: read the ratios, not the absolutes."
    )
