"""Key parts: scratch files of their own, and what a killed build left removed by the next."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from tongban.registry.parts import key_parts


def test_parts_of_two_connections_sharing_a_spill_directory_do_not_meet(tmp_path: Path) -> None:
    one, two = duckdb.connect(), duckdb.connect()
    for con in (one, two):
        con.execute(f"SET temp_directory = '{tmp_path}'")
    with key_parts(one, 10, 5, ["key"]) as first, key_parts(two, 10, 5, ["key"]) as second:
        assert first.directory != second.directory
        first.write("keyed", "(SELECT 'a' AS key)")
        second.write("keyed", "(SELECT 'b' AS key)")
        assert one.execute(f"SELECT key FROM {first.everything()}").fetchall() == [("a",)]
        assert two.execute(f"SELECT key FROM {second.everything()}").fetchall() == [("b",)]
    assert list(tmp_path.iterdir()) == []


def test_the_parts_a_killed_build_left_are_removed_and_a_running_ones_kept(tmp_path: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    killed = tmp_path / f"key-parts-{ended.stdout.strip()}-x1"
    running = tmp_path / f"key-parts-{os.getppid()}-x2"
    for directory in (killed, running):
        (directory / "keyed").mkdir(parents=True)
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{tmp_path}'")
    with key_parts(con, 10, 5, ["key"]):
        assert not killed.exists() and running.exists()
