"""The national scale's shape, checked on a miniature with the same multi-province code path
(seeding the real one takes minutes and gigabytes: it is run by hand, not in the suite)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from runxin.platform.codes import check_division_code, check_school_code
from runxin.platform.seed import SCALES, Scale
from runxin.platform.seed.generator import _city_numbers, digest, generate, generate_by_city
from runxin.platform.seed.rows import Dataset
from runxin.platform.tree.models import Tenant

MINIATURE = Scale("miniature", cities=7, counties=14, schools=90, provinces=3, description="national in miniature")


def test_national_has_the_countrys_order_of_magnitude() -> None:
    national = SCALES["national"]
    assert (national.provinces, national.cities, national.counties, national.schools) == (31, 333, 2_850, 210_000)
    cities = _city_numbers(national, random.Random(7))
    assert len(cities) == len(set(cities)) == 333
    per_province = Counter(province for province, _ in cities)
    assert len(per_province) == 31 and max(per_province.values()) <= 24 and min(per_province.values()) >= 1


def test_several_provinces_give_valid_unique_codes_and_names() -> None:
    data = generate(MINIATURE, 7)
    tenants = data.rows[Tenant]
    by_id = {t["id"]: t for t in tenants}
    assert Counter(t["kind"] for t in tenants) == {"CITY": 7, "COUNTY": 14, "SCHOOL": 90}
    assert len({t["code"] for t in tenants}) == len(tenants)
    provinces = set()
    for t in tenants:
        parent = by_id.get(t["parent_id"])
        if t["kind"] == "CITY":
            check_division_code(t["code"], "CITY")
            provinces.add(t["code"][:2])
        elif t["kind"] == "COUNTY":
            check_division_code(t["code"], "COUNTY", parent_code=parent["code"])
        else:
            check_school_code(t["code"], province_prefix=parent["code"][:2])
        # Every row hangs under its own city: the root is the city at the top of its path.
        assert by_id[t["root_id"]]["kind"] == "CITY" and t["path"].startswith(by_id[t["root_id"]]["path"])
    assert len(provinces) == 3 and "36" in provinces
    city_names = [t["name"] for t in tenants if t["kind"] == "CITY"]
    assert len(set(city_names)) == len(city_names)


def test_city_by_city_gives_the_same_rows_as_all_at_once() -> None:
    whole = generate(MINIATURE, 11)
    streamed = Dataset(11)
    kept = Dataset(11)
    for _city in generate_by_city(MINIATURE, 11, streamed):
        for model, rows in streamed.rows.items():
            kept.rows[model].extend(rows)
        streamed.clear()
    assert digest(kept) == digest(whole)
    assert not any(streamed.rows.values())


def test_too_many_cities_for_the_provinces_is_refused() -> None:
    with pytest.raises(ValueError, match="cities"):
        Scale("x", cities=30, counties=30, schools=150, provinces=1, description="")
    with pytest.raises(ValueError, match="provinces"):
        Scale("x", cities=40, counties=40, schools=200, provinces=40, description="")
