"""The ``tongban`` command line on SQLite and PostgreSQL: migrations, demo seed, users, clients, audit verification,
help texts, and the failure modes of ``tongban up`` (checked without ever starting a server)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner, Result

from tests.tampering import lift_append_only
from tongban.audit.model import AuditRecord
from tongban.cli.main import app as cli_app
from tongban.db import migration_state, safe_url
from tongban.identity.model import ApiClient, Department, User

GOOD_PASSWORD = "Correct-Horse-42"


@pytest.fixture
def cli_env(tmp_path: Path, db_url: str) -> dict[str, str]:
    return {"TONGBAN_DATA_DIR": str(tmp_path / "data"), "TONGBAN_DATABASE_URL": db_url, "TONGBAN_LANGUAGE": "en",
            "COLUMNS": "200", "TONGBAN_DEBUG": ""}


@pytest.fixture
def tongban(cli_env: dict[str, str]):  # type: ignore[no-untyped-def]
    """Run ``tongban <args>`` in-process; returns the click Result."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli_app, list(args), env=cli_env, catch_exceptions=True)

    return run


@pytest.fixture
def seeded(tongban) -> Result:  # type: ignore[no-untyped-def]
    result = tongban("demo", "seed", "--people", "0")  # the population build has its own test (test_registry_cli)
    assert result.exit_code == 0, result.output
    return result


def assert_clean_failure(result: Result, exit_code: int) -> None:
    """A non-zero exit with a message and no traceback."""
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


# db ---------------------------------------------------------------------------------------------------------------

def test_db_upgrade_reports_the_newest_revision(tongban, engine):
    result = tongban("db", "upgrade")
    assert result.exit_code == 0, result.output
    _, head = migration_state(engine)
    assert f"Database is at revision {head}" in result.output


def test_db_upgrade_creates_the_default_sqlite_database_in_the_data_dir(tmp_path):
    data = tmp_path / "fresh"
    result = CliRunner().invoke(cli_app, ["db", "upgrade"], env={"TONGBAN_DATA_DIR": str(data),
                                                                "TONGBAN_DATABASE_URL": "", "TONGBAN_LANGUAGE": "en"})
    assert result.exit_code == 0, result.output
    assert (data / "tongban.db").exists()


def test_db_current_shows_current_and_head(tongban, engine):
    result = tongban("db", "current")
    _, head = migration_state(engine)
    assert result.exit_code == 0 and f"current: {head}  head: {head}" in result.output


# demo -------------------------------------------------------------------------------------------------------------

def test_demo_seed_creates_departments_and_seven_accounts_and_prints_them(seeded, engine, cli_env):
    departments = count(engine, Department)
    assert departments > 0 and count(engine, User) == 7
    assert f"{departments} departments and 7 accounts created" in seeded.output
    for username in ("enterprise", "clerk", "approver", "dataadmin", "operator", "auditor"):
        assert re.search(rf"\b{username}\b", seeded.output)
    assert len(re.findall(r"Tb-[A-Za-z0-9_-]{12}", seeded.output)) == 7
    credentials = Path(cli_env["TONGBAN_DATA_DIR"]) / "demo-accounts.json"
    assert credentials.stat().st_mode & 0o777 == 0o600


def test_demo_seed_a_second_time_creates_nothing(seeded, tongban, engine):
    users_before = count(engine, User)
    again = tongban("demo", "seed", "--people", "0")
    assert again.exit_code == 0, again.output
    assert "0 departments and 0 accounts created" in again.output
    assert count(engine, User) == users_before == 7


# users ------------------------------------------------------------------------------------------------------------

def test_users_create_list_and_set_role(seeded, tongban, engine):
    created = tongban("users", "create", "--role", "clerk", "--name", "王芳", "--username", "wangfang",
                      "--department", "浦东服务中心", "--password", GOOD_PASSWORD)
    assert created.exit_code == 0, created.output
    assert "Created wangfang (Window clerk)" in created.output

    listed = tongban("users", "list", "--role", "clerk")
    assert listed.exit_code == 0, listed.output
    assert "wangfang" in listed.output and "王芳" in listed.output

    changed = tongban("users", "set-role", "wangfang", "approver", "--department", "市场监管局")
    assert changed.exit_code == 0, changed.output
    assert "wangfang is now Approver" in changed.output
    with engine.connect() as conn:
        role, department = conn.execute(
            select(User.role, Department.short_name).join(Department, User.department_id == Department.id)
            .where(User.username == "wangfang")).one()
    assert (role, department) == ("approver", "市场监管局")


def test_users_create_audits_the_system_actor(seeded, tongban, engine):
    assert tongban("users", "create", "--role", "auditor", "--name", "钱进", "--username", "qianjin",
                   "--department", "大数据中心", "--password", GOOD_PASSWORD).exit_code == 0
    with engine.connect() as conn:
        actor_kind, actor_name = conn.execute(select(AuditRecord.actor_kind, AuditRecord.actor_name)
                                              .where(AuditRecord.action == "user.create",
                                                     AuditRecord.target_id == "qianjin")).one()
    assert actor_kind == "system" and actor_name.startswith("cli:")


def test_users_create_with_an_invalid_id_number_exits_2_naming_the_rule(seeded, tongban, engine):
    result = tongban("users", "create", "--role", "citizen", "--name", "张三", "--id-number", "310115199001011239",
                     "--password", GOOD_PASSWORD)
    assert_clean_failure(result, 2)
    assert "id_number: check character should be 2, not 9" in result.output
    assert count(engine, User) == 7


def test_users_create_with_a_weak_password_exits_2_naming_the_password(seeded, tongban):
    result = tongban("users", "create", "--role", "clerk", "--name", "王芳", "--username", "wangfang",
                     "--department", "公安局", "--password", "short")
    assert_clean_failure(result, 2)
    assert "password: must be at least 10 characters long" in result.output


def test_users_create_with_an_unknown_department_fails_cleanly(seeded, tongban):
    result = tongban("users", "create", "--role", "clerk", "--name", "王芳", "--username", "wangfang",
                     "--department", "魔法部", "--password", GOOD_PASSWORD)
    assert_clean_failure(result, 1)
    assert "No department named 魔法部" in result.output


def test_users_set_role_of_an_unknown_user_exits_2(seeded, tongban):
    result = tongban("users", "set-role", "ghost", "approver")
    assert_clean_failure(result, 2)
    assert "No user named ghost" in result.output


# clients ----------------------------------------------------------------------------------------------------------

def test_clients_create_prints_a_token_once_and_revoke_stops_it(seeded, tongban, engine):
    created = tongban("clients", "create", "--department", "公安局", "--name", "X")
    assert created.exit_code == 0, created.output
    key_id = re.search(r"Created API client ([0-9a-f]{12})", created.output).group(1)
    token = re.search(r"^(tbk_\S+)$", created.output, re.MULTILINE).group(1)
    assert token.startswith(f"tbk_{key_id}_")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM api_clients WHERE key_id = :k"), {"k": key_id}).mappings().one()
    assert all(token not in str(value) for value in row.values())

    listed = tongban("clients", "list")
    assert listed.exit_code == 0 and key_id in listed.output and token not in listed.output

    revoked = tongban("clients", "revoke", key_id)
    assert revoked.exit_code == 0, revoked.output
    assert f"Revoked API client {key_id}" in revoked.output
    with engine.connect() as conn:
        assert conn.execute(select(ApiClient.revoked_at).where(ApiClient.key_id == key_id)).scalar_one() is not None


def test_clients_revoke_twice_or_unknown_exits_2(seeded, tongban):
    created = tongban("clients", "create", "--department", "公安局", "--name", "X")
    key_id = re.search(r"Created API client ([0-9a-f]{12})", created.output).group(1)
    assert tongban("clients", "revoke", key_id).exit_code == 0
    again = tongban("clients", "revoke", key_id)
    assert_clean_failure(again, 2)
    assert "already revoked" in again.output
    assert_clean_failure(tongban("clients", "revoke", "000000000000"), 2)


def test_clients_create_for_an_unknown_department_fails_cleanly(seeded, tongban):
    result = tongban("clients", "create", "--department", "魔法部", "--name", "X")
    assert_clean_failure(result, 1)
    assert "No department named 魔法部" in result.output


# audit ------------------------------------------------------------------------------------------------------------

def test_audit_verify_passes_on_an_intact_chain_and_is_itself_audited(seeded, tongban, engine):
    before = count(engine, AuditRecord)
    result = tongban("audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"Audit chain intact: {before} records" in result.output
    assert count(engine, AuditRecord) == before + 1


def test_audit_verify_exits_1_naming_the_record_altered_with_sql(seeded, tongban, engine):
    with engine.begin() as conn:
        lift_append_only(conn)
        conn.execute(text("UPDATE audit_records SET target_id = 'forged' WHERE seq = 3"))
    result = tongban("audit", "verify")
    assert_clean_failure(result, 1)
    assert "Audit chain broken at record 3: altered" in result.output


def test_audit_checkpoint_signs_the_head_once(seeded, tongban):
    first = tongban("audit", "checkpoint")
    assert first.exit_code == 0 and "Signed checkpoint at record" in first.output
    second = tongban("audit", "checkpoint")
    assert second.exit_code == 0 and "Nothing new to sign" in second.output
    verified = tongban("audit", "verify")
    assert verified.exit_code == 0 and "1 signed checkpoints" in verified.output


# help -------------------------------------------------------------------------------------------------------------

def _walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Every command of the tree (Typer ships its own click, so groups are recognised by their sub-commands)."""
    yield " ".join(("tongban", *path)), command
    for name, sub in (getattr(command, "commands", None) or {}).items():
        yield from _walk(sub, (*path, name))


COMMANDS = dict(_walk(typer.main.get_command(cli_app)))


def test_the_command_tree_has_every_expected_command():
    assert {"tongban up", "tongban serve", "tongban db upgrade", "tongban db current", "tongban users create",
            "tongban users list", "tongban users set-role", "tongban clients create", "tongban clients revoke",
            "tongban clients list", "tongban audit verify", "tongban audit checkpoint",
            "tongban demo seed"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_text(name):
    assert (COMMANDS[name].help or "").strip(), f"{name} has no help"


PARAMS = [(name, param.name) for name, command in COMMANDS.items() for param in command.params]


@pytest.mark.parametrize("name,param", PARAMS, ids=[f"{n} {p}" for n, p in PARAMS])
def test_every_option_and_argument_has_help_text(name, param):
    [found] = [p for p in COMMANDS[name].params if p.name == param]
    assert (getattr(found, "help", None) or "").strip(), f"{name}: {param} has no help"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_answers_help_without_touching_the_database(name):
    args = name.split()[1:] + ["--help"]
    result = CliRunner().invoke(cli_app, args, env={"TONGBAN_DATA_DIR": "/proc/tongban", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


# tongban up: failure modes, run through the console script (its main() is the last line of defence) -------------

TONGBAN = shutil.which("tongban") or str(Path(sys.executable).parent / "tongban")


def run_tongban(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_") or k.startswith("TONGBAN_TEST_")}
    return subprocess.run([TONGBAN, *args], env={**base, "TONGBAN_LANGUAGE": "en", **env}, capture_output=True,
                          text=True, timeout=120, check=False)


def test_the_console_script_is_installed():
    assert Path(TONGBAN).exists()


def test_up_with_the_port_in_use_exits_1_with_one_line_naming_tongban_port(tmp_path, db_url):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_tongban("up", TONGBAN_DATA_DIR=str(tmp_path / "data"), TONGBAN_DATABASE_URL=db_url,
                           TONGBAN_HOST="127.0.0.1", TONGBAN_PORT=str(port))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "TONGBAN_PORT" in lines[0] and str(port) in lines[0]
    assert "Traceback" not in output


def test_up_with_an_unwritable_data_dir_fails_naming_tongban_data_dir(db_url):
    done = run_tongban("up", TONGBAN_DATA_DIR="/proc/tongban", TONGBAN_DATABASE_URL=db_url)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "TONGBAN_DATA_DIR" in output and "/proc/tongban" in output
    assert "Traceback" not in output


def test_up_with_an_unreachable_database_exits_1_without_printing_the_password(tmp_path):
    url = "postgresql+psycopg://u:hunter2-secret@127.0.0.1:1/x"
    done = run_tongban("up", TONGBAN_DATA_DIR=str(tmp_path / "data"), TONGBAN_DATABASE_URL=url)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "cannot reach the database" in output
    assert safe_url(url) in output
    assert "hunter2-secret" not in output
    assert "Traceback" not in output


def test_up_with_an_invalid_setting_names_the_variable(tmp_path):
    done = run_tongban("up", TONGBAN_DATA_DIR=str(tmp_path / "data"), TONGBAN_PORT="not-a-port")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "TONGBAN_PORT" in output and "Traceback" not in output
