"""``tongban registry ingest|feeds``: deliver a feed from the command line, see it listed, get clear refusals."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import assert_clean_failure, cli_env, seeded, tongban  # noqa: F401 (fixtures)

HEADER = "公民身份号码,姓名,性别,出生日期,民族,户籍地址,登记日期"
ROW = "310101199003071234,张三,1,1990-03-07,01,上海市黄浦区南京东路街道南京东路100号,2020-01-02"


def test_ingest_registers_once_and_lists_the_feed(seeded, tongban, tmp_path: Path):  # noqa: F811
    feed = tmp_path / "population_police.csv"
    feed.write_bytes(f"{HEADER}\r\n{ROW}\r\n".encode("utf-8-sig"))
    first = tongban("registry", "ingest", str(feed), "--resource", "户籍人口基本信息")
    assert first.exit_code == 0, first.output
    assert "Feed #1" in first.output and "utf-8-sig" in first.output
    again = tongban("registry", "ingest", str(feed), "--resource", "户籍人口基本信息")
    assert again.exit_code == 0 and "Already delivered" in again.output
    listed = tongban("registry", "feeds")
    assert listed.exit_code == 0 and "population_police.csv" in listed.output


def test_a_bad_header_exits_2_naming_the_column_and_rule(seeded, tongban, tmp_path: Path):  # noqa: F811
    feed = tmp_path / "bad.csv"
    feed.write_text(f"{HEADER},血型\n{ROW},A\n", encoding="gb18030")
    result = tongban("registry", "ingest", str(feed), "--resource", "户籍人口基本信息")
    assert_clean_failure(result, 2)
    assert "column 8" in result.output and "血型" in result.output


def test_an_unknown_resource_exits_2(seeded, tongban, tmp_path: Path):  # noqa: F811
    feed = tmp_path / "f.csv"
    feed.write_text(f"{HEADER}\n", encoding="utf-8")
    assert_clean_failure(tongban("registry", "ingest", str(feed), "--resource", "不存在的资源"), 2)


def test_demo_seed_builds_the_three_bases_from_the_city_feeds_once(tongban, engine):  # noqa: F811
    from sqlalchemy import func, select

    from tongban.registry.model import Address, Build, Entity, Feed, Person

    first = tongban("demo", "seed", "--people", "300")
    assert first.exit_code == 0, first.output
    assert "300" in first.output
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Feed)) == 7  # the address library and six feeds
        assert conn.scalar(select(func.count()).select_from(Person)) > 250
        assert conn.scalar(select(func.count()).select_from(Entity)) > 20
        assert conn.scalar(select(func.count()).select_from(Address)) > 30
        assert conn.scalar(select(func.count()).select_from(Person).where(
            Person.household_address_code.is_not(None))) > 250
        assert [b for (b,) in conn.execute(select(Build.base).where(Build.status == "published")
                                           .order_by(Build.id))] == ["address", "population", "entity"]
    again = tongban("demo", "seed", "--people", "300")
    assert again.exit_code == 0, again.output
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Feed)) == 7
        assert conn.scalar(select(func.count()).select_from(Build)) == 3


def test_a_build_that_fails_for_want_of_disk_says_so_in_one_line(seeded, tongban, monkeypatch):  # noqa: F811
    import tongban.cli.registry as registry_cli

    def full(*args: object, **kwargs: object) -> None:
        raise OSError("No space left on device\n(more detail on a second line)")
    monkeypatch.setattr(registry_cli, "build_base", full)
    result = tongban("registry", "build", "population")
    assert_clean_failure(result, 1)
    assert "No space left on device" in result.output and "second line" not in result.output
