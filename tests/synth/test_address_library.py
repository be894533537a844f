"""The standard address library: finite, unique, coded as documented, and the only source of the city's addresses."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np
import pytest

from tongban.standards import HISTORICAL_SHANGHAI, SHANGHAI_DISTRICTS
from tongban.synth import places
from tongban.synth.address_library import AddressLibrary, library_size
from tongban.synth.faults import FaultRates
from tongban.synth.feeds import LIBRARY
from tongban.synth.generate import CityRequest, write_city

HEADER = "标准地址编码,所属区,所属街镇,路（街、巷）名,门牌号,楼号,标准地址,经度,纬度"
RATES = FaultRates().replace(missing_coordinate=0.05, swapped_coordinate=0.05, old_district_code=0.2,
                             bad_address_code=0.05, duplicate=0.05)
TAIL = re.compile(r"([0-9]+层)?([0-9]+室)?$")  # what a person or entity adds to a standard address


def read(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding))))


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city")
    write_city(out, CityRequest(12_000, 1_600, seed=3, rates=RATES, chunk_size=5_000))
    return out


@pytest.fixture(scope="module")
def rows(city: Path) -> list[tuple[dict[str, str], set[str], str]]:
    """(library row, its faults, its true code)."""
    truth = read(city / "truth" / LIBRARY.filename)
    return [(row, set(filter(None, t["fault"].split(";"))), t["address_code"])
            for row, t in zip(read(city / LIBRARY.filename), truth, strict=True)]


def test_the_library_file_has_the_catalog_header_in_utf8_without_bom(city: Path) -> None:
    raw = (city / LIBRARY.filename).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and raw.decode("utf-8").splitlines()[0] == HEADER


def test_the_library_has_one_address_per_six_people_each_once(rows) -> None:
    originals = [(row, code) for row, faults, code in rows if "duplicate" not in faults]
    assert len(originals) == library_size(12_000) and abs(len(originals) - 12_000 / 6.15) < 20
    assert len({code for _, code in originals}) == len(originals)
    assert len({row["标准地址"] for row, _ in originals}) == len(originals)


def test_codes_spell_the_district_street_road_lane_number_and_building(rows) -> None:
    for row, faults, code in rows:
        assert re.fullmatch("31[0-9]{22}", code) and code[:6] in SHANGHAI_DISTRICTS
        assert row["所属街镇"] == code[:9]
        lane, number, building = int(code[12:17]), int(code[17:22]), int(code[22:])
        assert row["门牌号"] == (f"{lane}弄{number}号" if lane else f"{number}号")
        assert row["楼号"] == (f"{building}幢" if building else "")
        text = row["标准地址"]
        assert text.startswith(f"上海市{SHANGHAI_DISTRICTS[code[:6]]}")
        assert text.endswith(row["路（街、巷）名"] + row["门牌号"] + row["楼号"])


def test_each_fault_shows_in_its_row_and_only_there(rows) -> None:
    for row, faults, code in rows:
        shown = row["标准地址编码"]
        assert shown == (code[:23] if "bad_address_code" in faults else code)
        if "old_district_code" in faults:
            assert HISTORICAL_SHANGHAI[row["所属区"]][1] == code[:6]
        else:
            assert row["所属区"] == code[:6]
        if "missing_coordinate" in faults:
            assert row["经度"] == row["纬度"] == ""
            continue
        lon, lat = float(row["经度"]), float(row["纬度"])
        assert re.fullmatch(r"\d+\.\d{6}", row["经度"]) and re.fullmatch(r"\d+\.\d{6}", row["纬度"])
        if "swapped_coordinate" in faults:
            lon, lat = lat, lon
        west, east, south, north = places.BOUNDS[code[:6]]
        assert west <= lon <= east and south <= lat <= north


@pytest.mark.parametrize("fault", ["missing_coordinate", "swapped_coordinate", "bad_address_code", "duplicate"])
def test_library_faults_hit_their_rates(rows, fault: str) -> None:
    originals = [faults for _, faults, _ in rows if "duplicate" not in faults]
    if fault == "duplicate":
        hits, trials, rate = len(rows) - len(originals), len(originals), RATES.duplicate
    else:
        hits, trials, rate = sum(fault in f for f in originals), len(originals), getattr(RATES, fault)
    assert abs(hits - rate * trials) <= 4 * math.sqrt(trials * rate * (1 - rate)) + 1


@pytest.mark.parametrize(("feed", "column", "encoding"), [
    ("population_police.csv", "户籍地址", "utf-8-sig"), ("population_health.csv", "居住地址", "utf-8-sig"),
    ("entity_samr.csv", "住所", "utf-8-sig"), ("entity_tax.csv", "生产经营地址", "utf-8-sig"),
])
def test_every_address_in_the_feeds_is_a_library_address_plus_floor_and_room(city: Path, rows, feed, column,
                                                                              encoding) -> None:
    library = {row["标准地址"] for row, _, _ in rows}
    addresses = [row[column] for row in read(city / feed, encoding)]
    assert addresses and all(TAIL.sub("", a) in library for a in addresses)


def test_addresses_never_repeat_even_at_the_size_of_shanghai() -> None:
    library = AddressLibrary(3_900_000, 0)
    parts = library.parts(np.arange(library.size))
    assert parts.lane.max() < 100_000 and parts.number.max() < 100_000 and parts.building.max() < 100
    door = (parts.district << 50) | (parts.road << 44) | (parts.lane << 22) | parts.number
    assert len(np.unique((door << 7) | parts.building)) == library.size  # unique on the road, whatever the street
    people = np.bincount(library.district_of(library.draw(np.random.default_rng(1), places.districts(
        np.random.default_rng(2), 1_000_000))), minlength=len(places.DISTRICTS))
    assert np.allclose(people / library.count, 1_000_000 / library.size, rtol=0.1)  # ~the same people per address


def test_another_address_is_in_the_same_district_and_different() -> None:
    library = AddressLibrary(2_000, 4)
    index = library.draw(np.random.default_rng(5), np.arange(16).repeat(50))
    moved = library.other(np.random.default_rng(6), index)
    assert (library.district_of(moved) == library.district_of(index)).all() and (moved != index).all()
