"""bench/compare.py's instruments: the wrk output reader, the Lua spec, the answer normalisers, RSS of
a process tree, and that the bench's Runxin documents still validate against the schema (so the
benchmark cannot rot when the schema changes). No servers, no database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from graphql.execution.values import get_variable_values

from graphql import GraphQLSchema, OperationDefinitionNode, parse, validate
from runxin.graphql.schema import build_schema
from runxin.platform.config import Settings

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import compare_queries as q
from compare_servers import tree_rss_bytes
from loadgen import Request, _lua_string, parse_wrk, write_spec

# Captured from `wrk -t1 -c10 -d3s --timeout 30s --latency -s bench/wrk_graphql.lua` against
# PostGraphile serving Q3 (wrk 4.1.0, Debian 12).
WRK_SAMPLE = """Running 3s test @ http://127.0.0.1:18802
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   107.41ms   92.83ms 584.31ms   89.76%
    Req/Sec   117.81     57.91   230.00     74.07%
  Latency Distribution
     50%   81.76ms
     75%  112.68ms
     90%  189.84ms
     99%  496.11ms
  330 requests in 3.04s, 747.01KB read
Requests/sec:    108.71
Transfer/sec:    246.08KB
WRK_JSON {"requests": 330, "duration_us": 3035671, "bad": 0, "wrk_errors": 0, "p50_us": 81762, "p90_us": 189841, "p99_us": 496107, "mean_us": 107407.0}
"""

SAMPLE = q.Sample(
    city="360100",
    county="360181",
    school="2136001963",
    year=2026,
    stations=(
        q.StationPick(school="2136001963", id="01990292-eea2-7aa9-8069-7af16257fa3a", gid="U3RhdGlvbjow", hours=(17.0, 16.0)),
    ),
)


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    settings = Settings(data_dir=Path("/nonexistent"), database_url="sqlite+aiosqlite:///:memory:")
    return build_schema(settings)._schema


def test_parse_wrk_reads_a_real_run() -> None:
    result = parse_wrk(WRK_SAMPLE)
    assert (result.requests, result.bad, result.wrk_errors) == (330, 0, 0)
    assert result.seconds == pytest.approx(3.035671)
    assert result.per_second == pytest.approx(108.71, abs=0.01)
    assert (result.p50_ms, result.p99_ms) == (pytest.approx(81.762), pytest.approx(496.107))


def test_parse_wrk_refuses_output_without_the_script_line() -> None:
    plain = "\n".join(line for line in WRK_SAMPLE.splitlines() if not line.startswith("WRK_JSON"))
    with pytest.raises(ValueError, match="wrk_graphql.lua"):
        parse_wrk(plain)


def test_parse_wrk_refuses_figures_that_disagree_with_wrk() -> None:
    with pytest.raises(ValueError, match="req/s"):
        parse_wrk(WRK_SAMPLE.replace("Requests/sec:    108.71", "Requests/sec:    500.00"))


def test_spec_quotes_bodies_whatever_they_contain(tmp_path: Path) -> None:
    assert _lua_string("a]]b") == "[=[a]]b]=]"
    assert _lua_string("plain") == "[[plain]]"
    spec = write_spec([Request({"query": "{ a }", "variables": {"x": "]]"}}, token="t0k")], tmp_path / "spec.lua")
    text = spec.read_text()
    assert "[ [[Authorization]] ] = [[Bearer t0k]]" in text
    assert '[=[{"query":"{ a }","variables":{"x":"]]"}}]=]' in text


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (q.RUNXIN_Q1, q.runxin_variables(SAMPLE)["Q1"]),
        (q.RUNXIN_Q2, q.runxin_variables(SAMPLE)["Q2"]),
        (q.RUNXIN_Q3, q.runxin_variables(SAMPLE)["Q3"]),
        (q.RUNXIN_Q4_READ, q.runxin_variables(SAMPLE)["Q4_READ"]),
        (q.RUNXIN_Q4_WRITE, q.q4_write_variables(SAMPLE.stations[0], 17.0, runxin=True)),
    ],
    ids=["Q1", "Q2", "Q3", "Q4-read", "Q4-write"],
)
def test_bench_documents_validate_against_runxins_schema(schema: GraphQLSchema, document: str, variables: dict) -> None:
    parsed = parse(document)
    assert validate(schema, parsed) == []
    operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
    assert not isinstance(coerced, list), coerced  # a list of errors when the variables do not fit


def _runxin_q1(full_time: int, value: float) -> dict:
    figures = [
        {
            "indicator": "STATION_COVERAGE",
            "numerator": 52.0,
            "denominator": 59.0,
            "value": value,
            "state": "REPORTED",
            "unitsTotal": 59,
        },
        {
            "indicator": "MODEL_SCHOOL_SHARE",
            "numerator": 19.0,
            "denominator": 195.0,
            "value": 0.0974,
            "state": "REPORTED",
            "unitsTotal": 195,
        },
    ]
    return {
        "tenant": {
            "children": {
                "nodes": [{"code": "360102", "name": "宜岭区", "staffCounts": {"fullTime": full_time}, "indicators": figures}]
            }
        }
    }


def _pgl_q1(full_time: int, value: float) -> dict:
    node = _runxin_q1(full_time, value)["tenant"]["children"]["nodes"][0]
    # PostGraphile lists the figures in its own order; the normaliser must not care.
    node = {**node, "indicatorsList": list(reversed(node.pop("indicators")))}
    return {"tenantByCode": {"children": {"nodes": [node]}}}


def test_q1_normalisers_agree_on_the_same_answer_and_catch_a_different_one() -> None:
    assert q.q1_runxin(_runxin_q1(248, 52 / 59)) == q.q1_pgl(_pgl_q1(248, 52 / 59 + 1e-12))
    assert q.q1_runxin(_runxin_q1(248, 52 / 59)) != q.q1_pgl(_pgl_q1(247, 52 / 59))
    assert q.q1_runxin(_runxin_q1(248, 52 / 59)) != q.q1_pgl(_pgl_q1(248, 0.5))


def test_q3_refuses_a_masked_page() -> None:
    page = {
        "tenant": {
            "code": "2136001963",
            "name": "school",
            "stations": {"nodes": []},
            "staff": {
                "nodes": [
                    {
                        "kind": "FULL_TIME",
                        "name": "王**",
                        "gender": None,
                        "birthDate": None,
                        "phone": None,
                        "personalDataMasked": True,
                    }
                ]
            },
            "creditSummary": None,
            "targetProgress": [],
        }
    }
    with pytest.raises(ValueError, match="masked"):
        q.q3_runxin(page)


def test_q4_writes_every_station_there_and_back() -> None:
    other = q.StationPick(school="2136001964", id="x", gid="y", hours=(9.0, 8.0))
    sample = q.Sample(city="c", county="k", school="s", year=2026, stations=(SAMPLE.stations[0], other))
    assert [(s.id, h) for s, h in sample.q4_writes()] == [
        (SAMPLE.stations[0].id, 17.0),
        ("x", 9.0),
        (SAMPLE.stations[0].id, 16.0),
        ("x", 8.0),
    ]


def test_rss_of_a_process_tree_counts_its_children() -> None:
    alone = tree_rss_bytes(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "import time; b = bytearray(64 * 2**20); time.sleep(30)"])
    try:
        deadline = time.monotonic() + 10
        while tree_rss_bytes(os.getpid()) < alone + 64 * 2**20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tree_rss_bytes(os.getpid()) >= alone + 64 * 2**20
    finally:
        child.kill()
        child.wait()
