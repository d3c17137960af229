"""Shared argument parsing and reporting for the thin import commands."""
from __future__ import annotations

from argparse import ArgumentTypeError
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from electroshop.shop.importers import DEFAULT_MAX_BAD_ROWS, BadRowLimit, ImportFileError, ImportResult

CONSOLE_BAD_ROWS = 20


def parse_until(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--until must be a date YYYY-MM-DD, not {value!r}") from exc


def parse_max_bad_rows(value: str) -> BadRowLimit:
    try:
        return BadRowLimit.parse(value)
    except ValueError as exc:
        raise ArgumentTypeError(str(exc)) from exc


class ImportCommand(BaseCommand):
    formats: tuple[str, ...] = ()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CSV file, plain or gzipped")
        parser.add_argument("--format", required=True, choices=self.formats, dest="file_format")
        parser.add_argument("--until", help="import only rows strictly before this date (YYYY-MM-DD)")
        parser.add_argument("--errors", help="write every bad row (line, reason) to this file")
        parser.add_argument(
            "--date-format",
            help="strptime layout of the file's dates, e.g. '%%d/%%m/%%Y %%H:%%M' "
            "(default: ISO 8601 or M/D/YYYY H:MM, detected on the whole file)",
        )
        parser.add_argument(
            "--max-bad-rows",
            type=parse_max_bad_rows,
            default=BadRowLimit.parse(DEFAULT_MAX_BAD_ROWS),
            help="import nothing when more rows than this are bad: a count (50) or a percentage of the "
            "data rows (default %(default)s)",
        )

    def run_import(self, **kwargs) -> ImportResult:  # pragma: no cover - overridden
        raise NotImplementedError

    def handle(self, *args, **options) -> None:
        until = parse_until(options["until"]) if options.get("until") else None
        try:
            result = self.run_import(
                path=Path(options["path"]),
                format=options["file_format"],
                until=until,
                date_format=options["date_format"],
                max_bad_rows=options["max_bad_rows"],
                progress=True,
            )
        except ImportFileError as exc:
            raise CommandError(f"{exc}. Nothing was imported.") from exc
        self.report(result, errors_path=options.get("errors"))
        if result.refused:
            raise CommandError(result.refused)  # exit status 1, after the report

    def report(self, result: ImportResult, *, errors_path: str | None) -> None:
        if errors_path:
            with open(errors_path, "w", encoding="utf-8") as fh:
                fh.write("line,reason\n")
                for bad in result.bad_rows:
                    reason = bad.reason.replace('"', '""')
                    fh.write(f'{bad.line},"{reason}"\n')
        # A refused file is fixed from this output: then every bad row is shown.
        limit = len(result.bad_rows) if result.refused else CONSOLE_BAD_ROWS
        shown = result.bad_rows[:limit]
        for bad in shown:
            self.stdout.write(f"bad row: {bad}")
        hidden = len(result.bad_rows) - len(shown)
        if hidden:
            where = f"all of them are in {errors_path}" if errors_path else "use --errors PATH to write them all"
            self.stdout.write(f"... and {hidden} more bad rows ({where})")
        elif errors_path and result.bad_rows:
            self.stdout.write(f"bad rows written to {errors_path}")
        if result.skipped:
            self.stdout.write(f"{result.skipped} rows on or after --until skipped")
        self.stdout.write(result.summary_line())
