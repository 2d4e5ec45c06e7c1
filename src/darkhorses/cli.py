"""The ``darkhorses`` command line. Thin by design: parse flags, call the Python API, print.

Every expected failure is a :class:`~darkhorses.errors.DarkHorsesError`; the group below turns it
into one line on stderr and the error's exit code, never a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import click
import typer
from typer.core import TyperCommand, TyperGroup

import darkhorses
from darkhorses import __version__
from darkhorses.errors import ConfigError, DarkHorsesError, signal_exit_code


if TYPE_CHECKING:
    from darkhorses import FetchReport, Progress


class _FriendlyErrors(TyperGroup):
    """Turn expected errors into ``error: <message>`` and the error's exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except DarkHorsesError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None


class _SpacedLists(TyperCommand):
    """Repeatable options also take several values after one flag (``--tables racecards results``),
    as the earlier controller's did. For commands without positional arguments only."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        repeatable = {name for param in self.params if param.param_type_name == "option" and param.multiple
                      for name in param.opts}
        spread: list[str] = []
        flag, waiting = None, False
        for arg in args:
            if arg.startswith("-") and len(arg) > 1:
                flag = arg if arg in repeatable else None
                waiting = flag is not None
                spread.append(arg)
            elif flag is not None and not waiting:
                spread += [flag, arg]
            else:
                spread.append(arg)
                waiting = False
        return super().parse_args(ctx, spread)


def _examples(*lines: str, environment: bool = False) -> str:
    """An epilog of example command lines, kept as written (click's ``\\b`` paragraph), after
    where settings come from when ``environment``."""
    examples = "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)
    return f"{ENVIRONMENT}\n\n{examples}" if environment else examples


ENVIRONMENT = ("Settings come from the environment or a .env file: DATABASE_URL (default sqlite:///darkhorses.db), "
               "RACING_API_USERNAME and RACING_API_PASSWORD (your Racing API account), RACING_API_BASE_URL "
               "(a simulator instead of the API).")

app = typer.Typer(
    cls=_FriendlyErrors,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # click's plain help: on/off flags read --flag / --no-flag, no type column
    help="Keep a complete, current UK & Irish racing database from The Racing API.",
    epilog=_examples("darkhorses demo", "darkhorses fetch --mode daily"),
)
db_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Create and migrate the database schema.",
                     epilog=_examples("darkhorses db upgrade",
                                      "DATABASE_URL=postgresql://user@host/racing darkhorses db current",
                                      environment=True))
app.add_typer(db_app, name="db")
alert_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Alerts through Apprise to the targets in DARKHORSES_ALERT_URLS.",
                        epilog=_examples("darkhorses alert test"))
app.add_typer(alert_app, name="alert")


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"darkhorses {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every work unit.")] = False,
) -> None:
    """Keep a complete, current UK & Irish racing database from The Racing API."""
    from darkhorses.logs import configure_logging

    configure_logging(verbose=verbose)


def _database_url() -> str:
    return darkhorses.load_settings().database_url


@db_app.command("upgrade", epilog=_examples(
    "darkhorses db upgrade", "DATABASE_URL=postgresql://user@host/racing darkhorses db upgrade", environment=True))
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision (default: the newest).")] = "head",
) -> None:
    """Create or migrate the database schema to the newest revision (or REVISION), in DATABASE_URL."""
    with darkhorses.connect(_database_url(), migrate=False) as db:
        typer.echo(f"{db} is at revision {db.upgrade(revision)}")


@db_app.command("downgrade", epilog=_examples("darkhorses db downgrade base --yes", environment=True))
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' removes every table.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: a downgrade drops tables and their data.")] = False,
) -> None:
    """Migrate the schema back to REVISION. Destroys data in the tables it drops."""
    if not yes:
        raise ConfigError("a downgrade drops tables and their data; repeat with --yes to confirm")
    with darkhorses.connect(_database_url(), migrate=False) as db:
        typer.echo(f"{db} is at revision {db.downgrade(revision) or 'base (empty)'}")


@db_app.command("current", epilog=_examples("darkhorses db current", environment=True))
def db_current() -> None:
    """Print the schema revision of the database in DATABASE_URL and the newest one this version knows."""
    with darkhorses.connect(_database_url(), migrate=False) as db:
        typer.echo(f"{db}: revision {db.revision() or 'none'} (newest: {darkhorses.head_revision()})")


@app.command(epilog=_examples("darkhorses inventory", "darkhorses inventory --schema-only --json columns.json"))
def inventory(
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the full inventory as JSON to this file.")
    ] = None,
    schema_only: Annotated[
        bool, typer.Option("--schema-only", help="Describe the schema without opening the database.")
    ] = False,
    markdown_path: Annotated[
        Path | None, typer.Option("--markdown", help="Write the schema's tables and columns as Markdown (docs/tables.md).")
    ] = None,
) -> None:
    """List every table and column with its type and source; with a database, row counts and fill."""
    import json

    from rich.console import Console
    from rich.table import Table

    report = darkhorses.inventory(None if schema_only else _database_url())
    if json_path is not None:
        json_path.write_text(json.dumps(report.data, indent=2) + "\n", encoding="utf-8")
    if markdown_path is not None:
        markdown_path.write_text(darkhorses.inventory().markdown(), encoding="utf-8")
    view = Table(title=f"{report.data['table_count']} tables, {report.data['column_count']} columns")
    for heading in ("table", "columns", "rows", "filled columns"):
        view.add_column(heading, justify="left" if heading == "table" else "right")
    for table in report.tables:
        rows = table.get("rows")
        filled = report.filled_columns(table)
        shown = "-" if rows is None else f"~{rows} (estimated)" if table["estimated"] else str(rows)
        view.add_row(table["name"], str(table["column_count"]), shown,
                     "-" if filled is None else f"{filled}/{table['column_count']}")
    Console().print(view)
    for written in (json_path, markdown_path):
        if written is not None:
            typer.echo(f"wrote {written}")


@app.command(cls=_SpacedLists,
             epilog=_examples("darkhorses populate", "darkhorses populate --full --lookback 365 --min-runs 10"))
def populate(
    category: Annotated[
        list[str] | None,
        typer.Option("--category", "-c",
                     help="core (fetch's daily sync first), pedigree, statistics, supplementary or odds; repeatable. "
                          "Default: all statistics."),
    ] = None,
    table: Annotated[
        list[str] | None,
        typer.Option("--tables", "--table", "-t",
                     help="Compute only these tables: --tables ra_mst_sires ra_mst_dams, or the flag repeated."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Compute as of this date, YYYY-MM-DD (default: today in London).")
    ] = None,
    test: Annotated[
        bool, typer.Option("--test", help="Compute over the last 14 days only and write nothing (a quick check).")
    ] = False,
    show_status: Annotated[
        bool, typer.Option("--status", help="Show each table's rows, last computation and column fill; compute nothing.")
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Recompute every row (default: only what changed since the last populate).")
    ] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="Count only races on or after this date, YYYY-MM-DD (default: all).")
    ] = None,
    lookback: Annotated[
        int | None, typer.Option("--lookback", help="Count only the races of the last N days, the as-of date included.")
    ] = None,
    min_runs: Annotated[
        int | None, typer.Option("--min-runs", help="Smallest group written to the performance and combination "
                                                    "tables (default 5).")
    ] = None,
    min_group_runs: Annotated[
        int | None, typer.Option("--min-group-runs", help="Smallest class or distance group ranked in the pedigree "
                                                          "tables (default 1).")
    ] = None,
) -> None:
    """Compute the statistics tables with set-based SQL, each replaced atomically, in the database
    DATABASE_URL names (which must exist: fetch data first).

    Ctrl-C or SIGTERM lets the tables being computed finish and skips the rest (exit 130 or 143);
    a second one stops at once, and the table in flight keeps its previous contents.
    """
    from rich.console import Console
    from rich.table import Table

    settings = darkhorses.load_settings()
    console = Console()
    if show_status:
        view = Table(title="statistics tables")
        for heading in ("table", "category", "rows", "last computed", "columns filled", "least filled"):
            view.add_column(heading, justify="left" if heading in {"table", "category", "least filled"} else "right")
        with darkhorses.connect(settings.database_url, create=False) as db:
            for entry in db.statistics():
                least = entry.least_filled()
                view.add_row(entry.table, entry.category, str(entry.rows),
                             entry.last_computed.strftime("%Y-%m-%d %H:%M") if entry.last_computed else "-",
                             f"{len(entry.filled())}/{len(entry.fill)}", f"{least[0]} {least[1]:.1%}" if least else "-")
        console.print(view)
        return
    sizes = {name: value for name, value in (("min_runs", min_runs), ("min_group_runs", min_group_runs))
             if value is not None}
    with _progress() as progress, _stop_on_signals() as stopped_by:
        result = darkhorses.populate(settings.database_url, categories=category or (), tables=table or (), as_of=as_of,
                                     full=full, since=since, lookback=lookback, **sizes, test=test,
                                     progress=progress, settings=settings, should_stop=lambda: bool(stopped_by))
    for note in result.notes:
        console.print(note)
    if result.left:
        done = ", ".join(t.table for t in result.tables) or "none"
        typer.echo(f"interrupted by {stopped_by[0]}: {len(result.tables)} of {len(result.tables) + len(result.left)} "
                   f"tables computed ({done}); the other {len(result.left)} keep their previous contents; run the "
                   f"same command again to compute them", err=True)
        raise typer.Exit(signal_exit_code(stopped_by[0]))
    if not result.tables:
        return
    mode = ("test slice, nothing written" if result.test else "incremental" if result.incremental
            else f"every row recomputed: {result.full_because}")
    view = Table(title=f"as of {result.as_of} ({result.run_rows} runs; {mode})")
    for heading in ("table", "category", "rows", "seconds"):
        view.add_column(heading, justify="left" if heading in {"table", "category"} else "right")
    for entry in result.tables:
        view.add_row(entry.table, entry.category, str(entry.rows), f"{entry.seconds:.2f}")
    console.print(view)


@app.command(epilog=_examples("darkhorses simulate", "darkhorses simulate --port 9000 --username me --password secret"))
def simulate(
    host: Annotated[str, typer.Option(help="Interface to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    seed: Annotated[int, typer.Option(help="World seed: the same seed serves byte-identical bodies.")] = 1,
    plan: Annotated[str, typer.Option(help="Account plan: free, basic, standard or pro.")] = "pro",
    username: Annotated[str, typer.Option(help="HTTP Basic username clients must send.")] = "demo",
    password: Annotated[str, typer.Option(help="HTTP Basic password clients must send.")] = "demo",
    today: Annotated[
        str | None, typer.Option(help="Pretend today is this date, YYYY-MM-DD (default: today in London).")
    ] = None,
    dialect: Annotated[str, typer.Option(help="2026 (OpenAPI v1.4.3, nulls) or 2025 (recorded style).")] = "2026",
    history_addon: Annotated[
        bool, typer.Option(help="Serve results older than 365 days (the historical add-on).")
    ] = True,
    latency_ms: Annotated[float, typer.Option(help="Added delay per response, in milliseconds.")] = 0.0,
    rate_limits: Annotated[
        bool, typer.Option(help="Enforce per-endpoint rate limits (429) and the 100-in-10s IP cool-off.")
    ] = False,
    fault_rate: Annotated[
        float,
        typer.Option(help="Share of requests that fail, spread over 5xx, dropped, truncated, invalid JSON "
                          "and schema drift."),
    ] = 0.0,
    fault_seed: Annotated[int, typer.Option(help="Seed of the fault sequence.")] = 0,
) -> None:
    """Serve the offline Racing API (a deterministic simulated world) until stopped.

    Point RACING_API_BASE_URL at the printed URL and use the same username and password.
    """
    try:
        config = darkhorses.SimulatorConfig(
            seed=seed, plan=plan, username=username, password=password,  # type: ignore[arg-type]
            today=dt.date.fromisoformat(today) if today else None, dialect=dialect,  # type: ignore[arg-type]
            history_addon=history_addon, latency_ms=latency_ms, rate_limits_enabled=rate_limits,
            faults=darkhorses.FaultConfig.spread(fault_rate, fault_seed),
        )
    except ValueError as exc:
        raise ConfigError(f"simulate: {exc}") from None
    typer.echo(f"The Racing API simulator on http://{host}:{port} (seed {seed}, plan {plan}, dialect {dialect})")
    typer.echo(f"It accepts username {username!r} and password {password!r}; point DarkHorses at it with\n"
               f"  RACING_API_BASE_URL=http://{host}:{port} RACING_API_USERNAME={username} "
               f"RACING_API_PASSWORD={password}")
    darkhorses.simulate(config, host=host, port=port)


def _print_fetch(report: FetchReport, path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for note in report.notes:
        console.print(f"note: {note}")
    view = Table(title=f"fetch {report.mode}: {report.status if report.success else report.status.upper()}")
    view.add_column("table")
    view.add_column("rows written", justify="right")
    for table, rows in sorted(report.written.items()):
        view.add_row(table, str(rows))
    console.print(view)
    console.print(f"API calls: {sum(report.api_calls.values())} ({', '.join(f'{k} {v}' for k, v in sorted(report.api_calls.items()))})")
    if report.quarantined:
        console.print(f"quarantined records: {report.quarantined} (see dh_quarantine)")
    for failure in report.failed:
        console.print(f"failed {failure['job']} {failure['key']}: {failure['reason']}")
    console.print(f"run file: {path}")
    if report.status == "interrupted":
        typer.echo(report.stopped_line(), err=True)


def _date(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{flag} must be a date like 2025-10-07, not {value!r}") from None


@contextlib.contextmanager
def _progress() -> Iterator[Progress | None]:
    """A Rich progress bar per job on a terminal; None (log lines) otherwise."""
    import sys

    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bars = Progress(TextColumn("{task.description:10}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    transient=False)

    class RichProgress:
        def __init__(self) -> None:
            self.tasks: dict[str, int] = {}

        def add(self, job: str, total: int) -> None:
            if job in self.tasks:
                bars.update(self.tasks[job], total=bars.tasks[self.tasks[job]].total + total)
            else:
                self.tasks[job] = bars.add_task(job, total=total)

        def advance(self, job: str) -> None:
            bars.advance(self.tasks[job])

    with bars:
        yield RichProgress()


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[list[str]]:
    """For a blocking command: the first SIGINT or SIGTERM is recorded in the yielded list (the
    command stops at its next safe point); a second one stops at once, as Ctrl-C usually does."""
    import signal

    stopped_by: list[str] = []

    def handler(signum: int, frame: object) -> None:
        if stopped_by:
            raise KeyboardInterrupt
        stopped_by.append(signal.Signals(signum).name)

    previous = {signum: signal.signal(signum, handler) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stopped_by
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@app.command(cls=_SpacedLists, epilog=_examples(
    "darkhorses fetch --mode daily",
    "darkhorses fetch --mode manual --tables racecards results --days-back 6 --no-enrich", environment=True))
def fetch(
    mode: Annotated[str, typer.Option("--mode", help="backfill, daily or manual.")] = "daily",
    tables: Annotated[
        list[str] | None,
        typer.Option("--tables", "--table",
                     help="Jobs or ra_* tables to load (manual mode): --tables racecards results, or the flag "
                          "repeated."),
    ] = None,
    start_date: Annotated[
        str | None, typer.Option("--start-date", help="First date, YYYY-MM-DD (manual and backfill).")] = None,
    end_date: Annotated[
        str | None, typer.Option("--end-date", help="Last date, YYYY-MM-DD (default today; manual and backfill).")
    ] = None,
    days_back: Annotated[
        int | None,
        typer.Option("--days-back", help="From N days before the end date to the end date, both included: "
                                         "--days-back 2 is 3 dates (manual and backfill)."),
    ] = None,
    racecard_days: Annotated[int, typer.Option("--racecard-days", help="Daily: racecards for today + N days (0-7).")] = 3,
    test: Annotated[
        bool, typer.Option("--test", help="A small slice: at most 7 days (the last 7 without dates) and 25 horses.")
    ] = False,
    enrich: Annotated[
        bool, typer.Option("--enrich/--no-enrich", help="Fetch the profiles of horses still without one (default); "
                                                        "--no-enrich leaves them for a later run.")
    ] = True,
    enrich_limit: Annotated[
        int | None, typer.Option("--enrich-limit", min=0, help="At most N horse profiles this run, horses of "
                                                               "upcoming racecards first (default: all pending).")
    ] = None,
    list_tables: Annotated[bool, typer.Option("--list", help="List the tables, their sources and modes; fetch nothing.")] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed",
                           help="Retry exactly the units that failed before (recorded as mode retry).")
    ] = False,
) -> None:
    """Load racing data from The Racing API into the database (backfill, daily or manual).

    Ctrl-C or SIGTERM stops cleanly: the run is recorded as interrupted (exit 130 or 143) and the
    same command resumes it. Exit 1: some units failed (see --retry-failed); 2: bad input or
    settings; 3: another fetch holds the database; 4: the API cannot be reached.
    """
    if list_tables:
        for job in darkhorses.fetch_jobs():
            typer.echo(f"{job.name:10} {job.source}\n{'':10} tables: {', '.join(job.tables)}\n{'':10} modes: {job.modes}")
        return
    settings = darkhorses.load_settings()
    with _progress() as progress:
        report, path = darkhorses.fetch(
            settings.database_url, mode=mode, tables=tables or (), start_date=_date(start_date, "--start-date"),
            end_date=_date(end_date, "--end-date"), days_back=days_back, racecard_days=racecard_days, test=test,
            retry_failed=retry_failed, enrich=enrich, enrich_limit=enrich_limit, progress=progress, settings=settings)
    _print_fetch(report, path)
    if not report.success:
        raise typer.Exit(report.exit_code)


@app.command(epilog=_examples("darkhorses demo", "DATABASE_URL=sqlite:///try.db darkhorses demo --days 7"))
def demo(
    days: Annotated[int, typer.Option("--days", min=1, max=365, help="Days of history to backfill.")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="The simulated world's seed.")] = 1,
) -> None:
    """Try everything offline: the built-in simulator, a backfill, a daily run and the statistics."""
    from rich.console import Console

    from darkhorses.demo import next_steps, run_demo

    settings = darkhorses.load_settings()
    result = run_demo(settings, days=days, seed=seed)
    for report, path in zip((result.backfill, result.daily), result.run_files, strict=True):
        _print_fetch(report, path)
    computed = ", ".join(f"{t.table} {t.rows}" for t in result.statistics.tables)
    Console().print(f"statistics as of {result.statistics.as_of}: {computed}")
    typer.echo("\n".join(next_steps(settings)))


@app.command(epilog=_examples("darkhorses status", "darkhorses status --json > status.json"))
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON (for machines).")] = False,
) -> None:
    """Show rows and freshness per table, the work ledger, the last runs, enrichment and data-quality checks.

    Times are London time, as in `health`.
    """
    import json

    from rich.console import Console

    from darkhorses.ops.status_view import render_status

    with darkhorses.connect(_database_url(), create=False, migrate=False) as db:
        report = db.status()
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        render_status(report, Console())


@app.command(epilog=_examples("darkhorses health", "darkhorses health || echo 'needs attention'"))
def health() -> None:
    """Exit 0 if the pipeline is healthy, else 1 with the reason in one line (for cron, systemd, probes).

    Unhealthy: no successful daily run (`fetch --mode daily`; a retry or an interrupted run does not
    count) in the last 25 hours, failed units in the last 3 days, a failing data-quality check, or
    a database that cannot be opened. Times are London time, as in `status`. With
    DARKHORSES_ALERT_URLS set, stale data (no daily sync in 25 hours, racecards missing by
    evening) is also alerted.
    """
    typer.echo(darkhorses.require_healthy(darkhorses.health()))


@app.command(epilog=_examples("darkhorses worker --schedule", "darkhorses worker"))
def worker(
    schedule: Annotated[
        bool, typer.Option("--schedule", help="Print the next runs of the timetable and exit.")
    ] = False,
) -> None:
    """Run the pipeline on its timetable (London time) until SIGTERM: one worker per database.

    Daily sync at 01:00, racecard refreshes 07:00-19:00 every 3 hours, results re-sync at 22:30,
    retries and horse enrichment on Sundays at 03:00, courses and regions on the 1st at 04:00;
    the statistics are recomputed after each. On SIGTERM or Ctrl-C the worker starts nothing new:
    the fetch in flight finishes its units in flight and is recorded as interrupted (its next run
    resumes it), statistics not yet started are skipped, the lock is released, and it exits 0.
    """
    if schedule:
        for when, task in darkhorses.worker_schedule(12):
            typer.echo(f"{when:%a %Y-%m-%d %H:%M %Z}  {task.name:9}  {task.description}")
        return
    darkhorses.run_worker()


@app.command(epilog=_examples("darkhorses serve", "darkhorses serve --host 0.0.0.0 --port 8000   (with DARKHORSES_DASHBOARD_TOKEN set)"))
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on; beyond loopback needs DARKHORSES_DASHBOARD_TOKEN.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the read-only web dashboard (overview, backfill, data, API usage, statistics) and /metrics.

    Every page has a JSON twin under /api/. Bound to anything but loopback it needs
    DARKHORSES_DASHBOARD_TOKEN: send it as a bearer token, or sign in with it in the browser.
    """
    darkhorses.serve(host=host, port=port)


@db_app.command("digest", epilog=_examples("darkhorses db digest", "darkhorses db digest --table ra_mst_races --json",
                                           environment=True))
def db_digest(
    table: Annotated[list[str] | None, typer.Option("--table", "-t", help="Digest only this table; repeatable.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the digests as JSON.")] = False,
) -> None:
    """Print a content digest per data table: equal digests mean equal data on any engine."""
    import json

    with darkhorses.connect(_database_url(), migrate=False) as db:
        digests = db.digest(table or None)
    if json_out:
        typer.echo(json.dumps({name: {"rows": d.rows, "sha256": d.sha256} for name, d in digests.items()}, indent=2))
        return
    for name, digest in digests.items():
        typer.echo(f"{name:32} {digest.rows:>10} {digest.sha256}")


@alert_app.command("test", epilog=_examples("darkhorses alert test   (with DARKHORSES_ALERT_URLS set)"))
def alert_test() -> None:
    """Send a test message to every DARKHORSES_ALERT_URLS target; fail if none is set or one fails."""
    typer.echo(darkhorses.send_test_alert())


# --------------------------------------------------------------------------- analysts: export and card


@app.command("export", epilog=_examples(
    "darkhorses export ra_mst_races --since 2026-01-01 --format parquet --output races.parquet",
    "darkhorses export --preset results --since 2026-06-01 > results.csv"))
def export_command(
    table: Annotated[str | None, typer.Argument(help="A ra_* table to export (or use --query / --preset).")] = None,
    query: Annotated[str | None, typer.Option("--query", "-q", help="A read-only SELECT or WITH query.")] = None,
    preset: Annotated[
        str | None, typer.Option("--preset", help="results (runners with pre-race form, then the result) or "
                                                 "racecards (declared runners with the card's figures).")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="First race date, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last race date, YYYY-MM-DD.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, parquet (needs the export extra) or jsonl.")] = "csv",
    output: Annotated[str, typer.Option("--output", "-o", help="File to write, or - for stdout.")] = "-",
) -> None:
    """Export a table, a preset shape or a read-only query to CSV, Parquet or JSON Lines, streaming."""
    import sys

    given = [value for value in (table, preset, query) if value]
    if len(given) != 1:
        raise ConfigError("export needs exactly one of a TABLE, --preset or --query")
    to_stdout = output == "-"
    if to_stdout and fmt == "parquet" and sys.stdout.isatty():
        raise ConfigError("Parquet is binary: give --output PATH or redirect stdout to a file")
    sink = sys.stdout.buffer if to_stdout else Path(output)
    try:
        with _rows_bar() as progress:
            result = darkhorses.export(_database_url(), given[0], sink, format=fmt,  # type: ignore[arg-type]
                                       since=_date(since, "--since"), until=_date(until, "--until"), progress=progress)
    except BrokenPipeError:  # `darkhorses export ... | head`: the reader has had enough
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(1) from None
    typer.echo(f"wrote {result.rows:,} rows, {len(result.columns)} columns, as {fmt} to "
               f"{'stdout' if to_stdout else output}", err=True)


@contextlib.contextmanager
def _rows_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar of rows written on a terminal; None (no counting query) otherwise."""
    import sys

    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task("export", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@app.command("card", epilog=_examples("darkhorses card", "darkhorses card --date tomorrow --course Ascot --json"))
def card_command(
    date: Annotated[
        str | None, typer.Option("--date", help="Race day, YYYY-MM-DD, today or tomorrow (default today, London).")
    ] = None,
    course: Annotated[
        str | None, typer.Option("--course", help="Only this course (its name or the start of it).")
    ] = None,
    race: Annotated[str | None, typer.Option("--race", help="Only this race id (rac_...).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the card as JSON (for programs).")] = False,
) -> None:
    """The day's stored racecards with each runner's form, every figure as of the race date."""
    import json

    from rich.console import Console

    from darkhorses.ops.card_view import render_card

    with darkhorses.connect(_database_url(), create=False, migrate=False) as db:
        result = db.card(date, course=course, race_id=race)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
    else:
        render_card(result, Console())
