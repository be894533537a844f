"""`tongban exchange masking`: how personal items are masked when a grant does not say clear."""

from __future__ import annotations

import typer
from rich.table import Table

from tongban.audit.unit_of_work import transaction
from tongban.cli._runtime import cli_actor, console, friendly, open_runtime
from tongban.exchange import masking
from tongban.exchange.masking_rules import list_rules, seed_masking_rules, set_rule

app = typer.Typer(help="Masking rules of personal items.", no_args_is_help=True)


@app.command("list")
@friendly
def list_() -> None:
    """List the catalog's personal data items and the rule each leaves the exchange by (no rule: hidden).

    Example: tongban exchange masking list
    """
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        rules = list_rules(session, cli_actor())
    table = Table(rt._("Data item"), rt._("Name"), rt._("Resources"), rt._("Masking rule"), rt._("Changed by"),
                  title=rt._("Masking rules of personal data items"))
    for item in rules:
        rule = item.rule or rt._("none: hidden")
        table.add_row(item.code, item.name, str(item.resources), rule, item.updated_by)
    console.print(table)
    console.print(rt._("Rules: {rules}", rules=", ".join(masking.RULES)))


@app.command("set")
@friendly
def set_(
    item: str = typer.Argument(..., help="The personal data item's code, e.g. phone."),
    rule: str = typer.Argument(..., help="id_number, phone, name, address, date or hide."),
) -> None:
    """Make a personal data item leave by a masking rule wherever a grant does not say clear; audited. Running
    servers apply it within seconds.

    Example: tongban exchange masking set phone phone
    """
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        saved = set_rule(session, cli_actor(), item, rule)
    console.print("[green]✓[/] " + rt._("{item} now leaves by the rule {rule}", item=saved.item_code, rule=saved.rule))


@app.command("seed")
@friendly
def seed() -> None:
    """Give default rules to the personal items that have none (never changes a rule already set).

    Example: tongban exchange masking seed
    """
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        seeded = seed_masking_rules(session, cli_actor())
    console.print(rt._("Seeded {count} masking rules", count=len(seeded)))
