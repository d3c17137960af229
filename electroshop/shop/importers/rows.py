"""Reading an import file and judging its rows: the result types, the CSV reader, the bad-row
bookkeeping and the value parsers shared by every importer (dates are in ``dates.py``)."""
from __future__ import annotations

import csv
import gzip
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd
from django.utils import timezone

DEFAULT_MAX_BAD_ROWS = "1%"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, not CSV, a required column missing)."""


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportResult:
    """What an import did. ``imported + bad + duplicates + skipped == data_lines`` unless the import
    was refused: then ``refused`` says why, nothing was written and ``imported`` is 0."""

    data_lines: int = 0
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0  # rows on or after ``until``
    bad_rows: list[BadRow] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)  # model name -> rows created
    refused: str = ""

    @property
    def bad(self) -> int:
        return len(self.bad_rows)

    def refuse(self, reason: str) -> None:
        """Record that the transaction was rolled back: nothing of this file is in the database."""
        self.refused = reason
        self.imported = 0
        self.created = {}

    def summary_line(self) -> str:
        return f"{self.imported} rows imported, {self.bad} bad rows, {self.duplicates} duplicate rows"


@dataclass(frozen=True)
class BadRowLimit:
    """How many bad rows an import accepts: a count (``50``) or a share of the data lines (``1%``)."""

    text: str
    count: int | None = None
    percent: Decimal | None = None

    @classmethod
    def parse(cls, text: str) -> BadRowLimit:
        value = text.strip()
        try:
            if value.endswith("%"):
                percent = Decimal(value[:-1])
                if percent.is_finite() and 0 <= percent <= 100:
                    return cls(text=value, percent=percent)
            elif value.isdigit():
                return cls(text=value, count=int(value))
        except InvalidOperation:
            pass
        raise ValueError(f"--max-bad-rows must be a count like 50 or a percentage like 1%, not {text!r}")

    def __str__(self) -> str:
        return self.text

    def allowed(self, data_lines: int) -> int:
        if self.count is not None:
            return self.count
        return int(self.percent * data_lines / 100)  # whole rows: 1% of 250 lines allows 2


def refusal_reason(result: ImportResult, limit: BadRowLimit | None) -> str:
    """Why none of the file may be kept, or "" when the import may stand."""
    if result.data_lines == 0:
        return "Nothing was imported: the file has no data rows."
    if result.imported == 0:
        return (
            f"Nothing was imported: none of the {result.data_lines} data rows is both valid and new "
            f"({result.bad} bad, {result.duplicates} already imported, {result.skipped} on or after --until)."
        )
    if limit is not None and result.bad > limit.allowed(result.data_lines):
        return (
            f"Nothing was imported: {result.bad} of {result.data_lines} data rows are bad, more than "
            f"--max-bad-rows {limit.text} allows ({limit.allowed(result.data_lines)}), so the {result.imported} "
            f"good new rows were not imported either; fix the bad rows or raise --max-bad-rows."
        )
    return ""


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _open_text(path: Path) -> Any:
    try:
        with open(path, "rb") as fh:
            magic = fh.read(2)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def read_csv(
    path: Path, *, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[pd.DataFrame, list[BadRow], int]:
    """Read the file into a frame of strings (only the known columns) plus a ``line`` column.

    Returns the frame of well-formed rows, the malformed rows as bad rows, and the number of
    data lines. Raises ImportFileError when the header lacks a required column.
    """
    bad: list[BadRow] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        with _open_text(Path(path)) as fh:
            reader = csv.reader(fh)
            try:
                header = next(reader)
            except StopIteration:
                raise ImportFileError(f"{path} is empty: no header line") from None
            header = [h.strip() for h in header]
            missing = [c for c in required if c not in header]
            if missing:
                raise ImportFileError(
                    f"{path}: missing required column(s) {', '.join(missing)}; the header has {', '.join(header)}"
                )
            width = len(header)
            wanted = [c for c in list(required) + list(optional) if c in header]
            positions = [header.index(c) for c in wanted]
            all_positions = positions == list(range(width))
            previous = reader.line_num
            data_lines = 0
            for row in reader:
                start = previous + 1
                previous = reader.line_num
                if not row:  # a blank line is not a data line
                    continue
                data_lines += 1
                if len(row) != width:
                    bad.append(BadRow(start, f"expected {width} fields, got {len(row)}"))
                    continue
                rows.append(row if all_positions else [row[p] for p in positions])
                lines.append(start)
    except (UnicodeDecodeError, csv.Error, gzip.BadGzipFile, EOFError) as exc:
        raise ImportFileError(f"{path} is not a readable UTF-8 CSV file: {exc}") from exc
    frame = pd.DataFrame(rows, columns=wanted, dtype=object) if rows else pd.DataFrame(columns=wanted, dtype=object)
    for column in optional:
        if column not in frame.columns:
            frame[column] = ""
    frame["line"] = pd.array(lines, dtype="int64")
    return frame.reset_index(drop=True), bad, data_lines


class Reasons:
    """First-reason-wins bookkeeping of bad rows, vectorised."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.reason = pd.Series("", index=frame.index, dtype=object)

    def flag(self, mask: pd.Series, message: str | pd.Series) -> None:
        mask = mask.fillna(False).astype(bool) & (self.reason == "")
        if not mask.any():
            return
        self.reason[mask] = message[mask] if isinstance(message, pd.Series) else message

    def value(self, column: str) -> pd.Series:
        return self.frame[column].map(repr)

    @property
    def bad_mask(self) -> pd.Series:
        return self.reason != ""

    def bad_rows(self) -> list[BadRow]:
        mask = self.bad_mask
        return [BadRow(int(line), reason) for line, reason in zip(self.frame.loc[mask, "line"], self.reason[mask])]


def parse_int(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Strings -> float values and a mask of unparsable / non-integer values (empty = NaN, not bad)."""
    stripped = series.str.strip()
    numbers = pd.to_numeric(stripped, errors="coerce")
    unparsable = numbers.isna() & (stripped != "")
    not_integer = numbers.notna() & ((numbers % 1 != 0) | ~numbers.abs().lt(2**62))
    return numbers, unparsable | not_integer


def parse_cents(series: pd.Series, reasons: Reasons, column: str, *, required: bool) -> pd.Series:
    """Prices -> integer cents (Int64, NA when empty and not required); flags bad values."""
    stripped = series.str.strip()
    numbers = pd.to_numeric(stripped, errors="coerce")
    empty = stripped == ""
    reasons.flag((numbers.isna() | ~numbers.abs().lt(1e10)) & ~empty, f"unparsable {column} " + reasons.value(column))
    if required:
        reasons.flag(empty, f"empty {column}")
    reasons.flag(numbers < 0, f"negative {column} " + reasons.value(column))
    cents = (numbers * 100).round(6)
    reasons.flag(cents.notna() & (cents % 1 != 0), f"{column} " + reasons.value(column) + " has more than 2 decimals")
    return cents.round().astype("Int64")


def customer_ids(series: pd.Series, reasons: Reasons, column: str) -> pd.Series:
    """Customer ids like "17850" or "17850.0" -> Int64 (NA for empty = guest)."""
    numbers, bad = parse_int(series)
    reasons.flag(bad | (numbers <= 0), f"{column} " + reasons.value(column) + " is not a positive integer")
    return numbers.where(~bad & (numbers > 0)).astype("Int64")


def flag_too_long(reasons: Reasons, column: str, limit: int) -> None:
    reasons.flag(reasons.frame[column].str.len() > limit, f"{column} longer than {limit} characters")


def until_timestamp(until: date | datetime | None) -> pd.Timestamp | None:
    """``until`` as a UTC timestamp: a date means midnight at its start in the project's time zone."""
    if until is None:
        return None
    if not isinstance(until, datetime):
        until = datetime.combine(until, time.min)
    if timezone.is_naive(until):
        until = timezone.make_aware(until, timezone.get_default_timezone())
    return pd.Timestamp(until).tz_convert("UTC")
