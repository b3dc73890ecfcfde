"""`runxin deliveries ...` in a subprocess against a real database, as an operator would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from runxin.platform.delivery.models import Delivery, DeliveryEndpoint
from runxin.platform.delivery.services import enqueue_for_city
from tests.factories.deliveries import accept_everything
from tests.factories.tree import make_tree


def runxin(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}
    command = [
        str(Path(sys.executable).with_name("runxin")),
        "deliveries",
        *args,
        "--database-url",
        database_url,
        "--data-dir",
        str(tmp_path),
    ]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)


async def test_an_operator_adds_an_endpoint_lists_and_replays(database_url, system_session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    await accept_everything(system_session, tree.city, tree.counties)
    # When an operator adds the city's endpoint
    added = runxin(tmp_path, database_url, "endpoint-add", "--city", tree.city.code, "--url", "https://platform.example.cn/in")
    # Then the secret is printed, once
    assert added.returncode == 0, added.stderr
    assert "secret: whsec_" in added.stdout and "shown only this once" in added.stderr
    endpoint = (await system_session.execute(select(DeliveryEndpoint))).scalar_one()
    # Given a delivery that died
    [delivery] = await enqueue_for_city(system_session, city_id=tree.city.id, period="2025", version=1)
    delivery.status = "DEAD"
    await system_session.commit()
    # When the operator lists the dead and replays them
    listed = runxin(tmp_path, database_url, "list", "--status", "dead")
    replayed = runxin(tmp_path, database_url, "replay", "--dead")
    # Then the list showed it, and the replay says what it sent again
    assert listed.returncode == 0, listed.stderr
    assert delivery.webhook_id in listed.stdout and "DEAD" in listed.stdout
    assert replayed.returncode == 0, replayed.stderr
    assert delivery.webhook_id in replayed.stdout and "replayed 1 deliveries" in replayed.stderr
    row = (await system_session.execute(select(Delivery).execution_options(populate_existing=True))).scalar_one()
    assert row.status == "PENDING"
    # By webhook id too; an unknown one is an error that says so
    again = runxin(tmp_path, database_url, "replay", "--id", delivery.webhook_id)
    assert again.returncode == 0 and delivery.webhook_id in again.stdout
    unknown = runxin(tmp_path, database_url, "replay", "--id", "msg_nothing")
    assert unknown.returncode == 2 and "msg_nothing" in unknown.stderr
    nothing = runxin(tmp_path, database_url, "replay")
    assert nothing.returncode == 2 and "--dead" in nothing.stderr
    # And the secret is rotated, the new one printed
    rotated = runxin(tmp_path, database_url, "endpoint-rotate", str(endpoint.id))
    assert rotated.returncode == 0, rotated.stderr
    assert "secret: whsec_" in rotated.stdout
    endpoints = runxin(tmp_path, database_url, "endpoints", "--city", tree.city.code)
    assert str(endpoint.id) in endpoints.stdout and "whsec_" not in endpoints.stdout
