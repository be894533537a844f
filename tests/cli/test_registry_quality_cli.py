"""``tongban registry quality``: the last build's quality report as a table or JSON, and a clear refusal."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import assert_clean_failure, cli_env, tongban  # noqa: F401 (fixtures)


def test_the_quality_report_prints_as_a_table_and_writes_as_json(tongban, tmp_path: Path):  # noqa: F811
    assert tongban("registry", "quality", "population").exit_code == 1  # nothing measured yet: one clear line
    seeded = tongban("demo", "seed", "--people", "300")
    assert seeded.exit_code == 0, seeded.output
    table = tongban("registry", "quality", "population")
    assert table.exit_code == 0, table.output
    assert "population_police.csv" in table.output
    out = tmp_path / "quality.json"
    written = tongban("registry", "quality", "population", "--format", "json", "--out", str(out))
    assert written.exit_code == 0, written.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["base"] == "population" and len(report["feeds"]) >= 4 and report["golden"]["records"] > 250


def test_an_unknown_format_exits_2(tongban):  # noqa: F811
    assert_clean_failure(tongban("registry", "quality", "population", "--format", "html"), 2)
