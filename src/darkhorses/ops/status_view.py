"""``darkhorses status`` on a terminal: the :class:`StatusReport` as Rich tables.

Kept apart from :mod:`darkhorses.ops.status` so that the report stays plain data (``--json``
prints it as it is) and the CLI stays a thin shell.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from darkhorses.ops.status import StatusReport
from darkhorses.ops.status import london_time as _when


def _table(title: str, *headings: str) -> Table:
    """A table whose first column is left-aligned text and the rest right-aligned figures."""
    view = Table(title=title, title_justify="left")
    for index, heading in enumerate(headings):
        view.add_column(heading, justify="left" if index == 0 else "right")
    return view


def render_status(report: StatusReport, console: Console) -> None:
    """Freshness first (what a user looks for), then tables, ledger, runs, enrichment and checks."""
    console.print(f"[bold]{report.database}[/bold] (schema {report.revision}); times are London time")
    console.print(f"latest race date: {report.latest_race_date or '-'}   latest result date: "
                  f"{report.latest_result_date or '-'}   last successful daily run: {_when(report.last_daily_success)}")

    legend = " (~: estimated from PostgreSQL's planner statistics)" if any(e.estimated for e in report.tables) else ""
    tables = _table(f"tables{legend}", "table", "rows", "last update")
    for entry in report.tables:
        tables.add_row(entry.name, f"{'~' if entry.estimated else ''}{entry.rows:,}", _when(entry.last_updated))
    console.print(tables)

    ledger = _table("work ledger", "job", "done", "failed", "pending")
    for job in report.ledger:
        ledger.add_row(job.job, f"{job.done:,}", f"{job.failed:,}", f"{job.pending:,}")
    console.print(ledger)
    if report.failed_units:
        failed = _table(f"failed units ({report.failed_count}; retry with `darkhorses fetch --retry-failed`)",
                        "unit", "attempts", "when", "reason")
        for unit in report.failed_units:
            failed.add_row(f"{unit.job} {unit.key}", str(unit.attempts), _when(unit.finished_at),
                           unit.reason.splitlines()[0] if unit.reason else "-")
        console.print(failed)

    runs = _table("last runs", "run", "status", "started", "minutes", "rows", "error")
    for run in report.runs:
        minutes = f"{(run.finished_at - run.started_at).total_seconds() / 60:.1f}" if run.finished_at else "-"
        runs.add_row(f"{run.id} {run.command} {run.mode or ''}".rstrip(), run.status, _when(run.started_at),
                     minutes, "-" if run.rows_written is None else f"{run.rows_written:,}", run.error or "")
    console.print(runs)

    horses = report.enrichment
    console.print(f"horses with a profile: {horses.with_profile:,} (pro {horses.pro:,}, standard {horses.standard:,}); "
                  f"without: {horses.without_profile:,} (none found {horses.none:,}, not yet looked up "
                  f"{horses.pending:,})")

    fidelity = report.fidelity
    if fidelity is not None:
        view = _table(f"fidelity of run {fidelity.run_id}'s {fidelity.payloads:,} payloads ({fidelity.archive}): "
                      f"{fidelity.stored:,} of {fidelity.present:,} values stored",
                      "table", "values present in payloads", "values stored", "lost", "examples")
        for table in fidelity.tables:
            view.add_row(table.table, f"{table.present:,}", f"{table.stored:,}",
                         f"[red]{table.lost:,}[/red]" if table.lost else "0", "; ".join(table.lost_examples[:2]))
        console.print(view)
    if report.courses_without_coordinates:
        console.print(f"[yellow]courses without coordinates[/yellow] ({len(report.courses_without_coordinates)}, "
                      f"not in the shipped list): {', '.join(report.courses_without_coordinates)}")
    else:
        console.print("every British and Irish course has coordinates")

    checks = _table("data-quality checks", "check", "result", "found", "examples")
    for check in report.checks:
        checks.add_row(check.description, "ok" if check.ok else "[red]FAIL[/red]", f"{check.count:,}",
                       ", ".join(check.examples))
    console.print(checks)
