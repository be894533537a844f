"""`tongban exchange masking`: how personal items are masked when a grant does not say clear."""

from __future__ import annotations

import typer

app = typer.Typer(help="Masking rules of personal items.", no_args_is_help=True)
