"""`outreach cost --month 2026-12`: the X ledger of a month as a table or CSV, with its total."""

from __future__ import annotations

import csv
import re
import sys
from datetime import date

import typer
from rich.table import Table
from sqlmodel import Session

from assistant.cli.app import app, console, engine_for, fail, settings_or_exit
from assistant.cli.runtime import ensure_schema
from assistant.services.costs.budget import month_ledger

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
COLUMNS = ("day", "team", "job_kind", "job_id", "calls", "posts_read", "users_read", "posts_created", "dollars")


def parse_month(text: str) -> date:
    match = _MONTH.match(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        fail(f"--month takes a month as YYYY-MM, e.g. 2026-12; got {text!r}", code=2)
    return date(int(match.group(1)), int(match.group(2)), 1)


@app.command("cost")
def cost(
    month: str = typer.Option(..., "--month", help="The month, YYYY-MM"),
    as_csv: bool = typer.Option(False, "--csv", help="CSV on standard output instead of a table"),
) -> None:
    """What X billed in a month, from the shared ledger: by day, team, kind of job and job."""
    first = parse_month(month)
    settings = settings_or_exit()
    ensure_schema(settings)
    with Session(engine_for(settings)) as session:
        lines = month_ledger(session, month=first)
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for line in lines:
            writer.writerow([getattr(line, name) if name != "dollars" else f"{line.dollars:.4f}" for name in COLUMNS])
        return
    table = Table(title=f"X ledger, {first:%B %Y}")
    for name in COLUMNS:
        table.add_column(name.replace("_", " "), justify="right" if name in COLUMNS[4:] else "left")
    for line in lines:
        table.add_row(
            line.day.isoformat(),
            line.team,
            line.job_kind,
            line.job_id,
            f"{line.calls:,}",
            f"{line.posts_read:,}",
            f"{line.users_read:,}",
            f"{line.posts_created:,}",
            f"${line.dollars:,.2f}",
        )
    total = sum(line.dollars for line in lines)
    table.add_section()
    table.add_row("total", "", "", "", f"{sum(x.calls for x in lines):,}", "", "", "", f"${total:,.2f}")
    console.print(table)
    if not lines:
        console.print(f"Nothing billed in {first:%B %Y}.")
