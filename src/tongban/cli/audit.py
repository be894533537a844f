"""``tongban audit``: verify and checkpoint the tamper-evident log."""

from __future__ import annotations

import typer

from tongban.audit import service
from tongban.audit.unit_of_work import transaction
from tongban.cli._runtime import cli_actor, console, fail, friendly, open_runtime
from tongban.identity import oversight

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
@friendly
def verify() -> None:
    """Walk the whole chain; exit 1 naming the first altered, deleted, inserted or reordered record.

    Example: tongban audit verify
    """
    rt = open_runtime()
    with console.status(rt._("Verifying the audit chain…")), transaction(rt.sessions) as session:
        result = oversight.verify_audit(session, cli_actor(), rt.signer)
    if result.problem is not None:
        p = result.problem
        fail(rt._("Audit chain broken at record {seq}: {kind} ({detail})", seq=p.seq, kind=rt._(p.kind), detail=rt._(p.template, **p.params)))
    console.print(f"[green]✓[/] {rt._('Audit chain intact: {records} records, {checkpoints} signed checkpoints', records=result.records, checkpoints=result.checkpoints)}")
    console.print(rt._("Subject index consistent: {rows} rows checked", rows=result.subject_rows))
    if result.unsigned_tail:
        console.print(rt._("{count} newest records are not yet covered by a checkpoint", count=result.unsigned_tail))


@app.command("checkpoint")
@friendly
def checkpoint() -> None:
    """Sign the chain head now (the server also does this periodically). Example: tongban audit checkpoint"""
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        cp = service.checkpoint(session, rt.signer)
    console.print(rt._("Signed checkpoint at record {seq}", seq=cp.seq) if cp else rt._("Nothing new to sign"))
