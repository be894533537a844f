"""``tongban synth people|entities``: files and a summary on success, one clear line and exit 1 on bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner, Result

from tongban.cli.synth import app as synth_app
from tongban.cli.synth import parse_count

ENV = {"COLUMNS": "200", "TONGBAN_DEBUG": ""}
PEOPLE_FILES = {"population_police.csv", "population_hrss.csv", "population_civil.csv", "population_health.csv"}
ENTITY_FILES = {"entity_samr.csv", "entity_tax.csv"}


def synth(*args: str) -> Result:
    return CliRunner().invoke(synth_app, list(args), env=ENV, catch_exceptions=True)


def assert_one_line_failure(result: Result, *words: str) -> None:
    """Exit 1, a single line of output naming the problem, never a traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output and all(w in lines[0] for w in words), lines


def rows(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def test_synth_is_a_sub_command_of_tongban():
    from tongban.cli.main import app as cli_app

    result = CliRunner().invoke(cli_app, ["synth", "--help"], env=ENV)
    assert result.exit_code == 0, result.output
    assert "people" in result.output and "entities" in result.output


@pytest.mark.parametrize("args", [[], ["people"], ["entities"]], ids=["synth", "people", "entities"])
def test_every_command_answers_help(args):
    result = synth(*args, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_every_command_and_option_has_help_text():
    group = typer.main.get_command(synth_app)
    assert (group.help or "").strip()
    for name, command in group.commands.items():
        assert (command.help or "").strip(), name
        assert all((getattr(p, "help", None) or "").strip() for p in command.params), name


def test_people_writes_all_six_feeds_their_truth_and_a_summary(tmp_path):
    result = synth("people", "--count", "700", "--out", str(tmp_path), "--seed", "4")
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.glob("*.csv")} == PEOPLE_FILES | ENTITY_FILES
    truth = {p.name for p in (tmp_path / "truth").glob("*.csv")}
    assert truth == PEOPLE_FILES | ENTITY_FILES | {"people.csv", "entities.csv"}
    assert rows(tmp_path / "truth" / "people.csv") == 700
    assert rows(tmp_path / "truth" / "entities.csv") == 96  # one entity per 7.3 people
    assert "population_civil.csv" in result.output and "gb18030" in result.output and "people/s" in result.output


def test_entities_writes_only_the_entity_feeds(tmp_path):
    result = synth("entities", "--count", "150", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.glob("*.csv")} == ENTITY_FILES
    assert rows(tmp_path / "truth" / "entities.csv") == 150


def test_the_entities_option_sets_how_many_entities_a_people_run_makes(tmp_path):
    result = synth("people", "--count", "300", "--entities", "12", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert rows(tmp_path / "truth" / "entities.csv") == 12


def test_clean_and_fault_options_set_the_rates(tmp_path):
    result = synth("people", "-n", "300", "-o", str(tmp_path), "--clean", "--fault", "duplicate=0.5")
    assert result.exit_code == 0, result.output
    with (tmp_path / "truth" / "population_police.csv").open(encoding="utf-8") as fh:
        labels = {row["fault"] for row in csv.DictReader(fh)}
    assert labels == {"", "duplicate"}


@pytest.mark.parametrize("count", ["0", "-5", "abc", "1.5", "", "200M", "1e6"])
def test_a_bad_count_is_one_line_and_exit_1(tmp_path, count):
    assert_one_line_failure(synth("people", "--count", count, "--out", str(tmp_path)), "--count")
    assert_one_line_failure(synth("entities", "--count", count, "--out", str(tmp_path)), "--count")


def test_an_unwritable_out_is_one_line_and_exit_1(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert_one_line_failure(synth("people", "--count", "10", "--out", str(blocker / "feeds")), "cannot write")


@pytest.mark.parametrize("fault", ["nonsense=0.1", "duplicate=lots", "duplicate=1.5"])
def test_a_bad_fault_rate_is_one_line_and_exit_1(tmp_path, fault):
    assert_one_line_failure(synth("people", "--count", "10", "--out", str(tmp_path), "--fault", fault), "--fault")


def test_a_negative_seed_is_one_line_and_exit_1(tmp_path):
    assert_one_line_failure(synth("people", "--count", "10", "--out", str(tmp_path), "--seed", "-1"), "--seed")


@pytest.mark.parametrize("text,value", [("2000", 2000), ("2_000", 2000), ("2,000", 2000), ("2k", 2000),
                                        ("24M", 24_000_000), (" 7 ", 7)])
def test_counts_accept_separators_and_suffixes(text, value):
    assert parse_count(text, "--count") == value
