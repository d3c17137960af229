"""Reading a file's date column: which layout it is written in, decided on the whole column.

* ``--date-format`` (a strptime layout) given: every value is read with it; a value it does not
  fit is a bad row.
* Otherwise two layouts are recognised, value by value:
  - ISO 8601 (``2011-12-09 08:26:00``, ``2019-10-01 00:00:00 UTC``, ``2024-03-01T10:00:00+01:00``);
  - slash dates ``N/N/YYYY`` with an optional ``H:MM`` or ``H:MM:SS`` time, as the UCI Online
    Retail export writes them (``12/1/2010 8:26``, month first).
  Day/month order of the slash dates is settled by the whole column, never row by row: a value whose
  first number is over 12 (``13/1/2011``) makes the file day-first, one whose second number is over
  12 (``12/13/2010``) month-first; both in one file is refused. When no value settles it, a file
  written without leading zeros (the UCI export's own ``M/D/YYYY H:MM``) is month-first, and a
  zero-padded file (``03/04/2011 10:00``) is refused as ambiguous: the message names
  ``--date-format``.
* Values without a zone are in the project's time zone; every result is UTC.
"""
from __future__ import annotations

import warnings

import pandas as pd
from django.utils import timezone

from .rows import ImportFileError, Reasons

SLASH_DATE = (
    r"^(?P<first>\d{1,2})/(?P<second>\d{1,2})/(?P<year>\d{4})"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<sec>\d{2}))?)?$"
)
DAY_FIRST_LAYOUT = "%d/%m/%Y %H:%M"
MONTH_FIRST_LAYOUT = "%m/%d/%Y %H:%M"


def parse_datetimes(series: pd.Series, reasons: Reasons, column: str, *, date_format: str | None = None) -> pd.Series:
    """Date strings -> UTC timestamps; unreadable values are flagged as bad rows.

    Raises ImportFileError when the column's slash dates do not say which number is the day.
    """
    # Each distinct value is parsed once: files repeat timestamps (the UCI file: 23k in 542k rows).
    codes, distinct = pd.factorize(series.fillna("").str.strip())
    distinct = pd.Series(distinct, dtype=object)
    if date_format:
        parsed = _parse_with_layout(distinct, date_format)
    else:
        parsed = _parse_iso(distinct)
        slash = distinct[parsed.isna()].str.extract(SLASH_DATE)
        slash = slash[slash["year"].notna()]
        if len(slash):
            parsed = parsed.mask(parsed.index.isin(slash.index), _parse_slash_dates(slash, distinct[slash.index], column))
    parsed = pd.Series(parsed.take(codes).array, index=series.index)
    reasons.flag(parsed.isna(), f"unparsable {column} " + reasons.value(column))
    return parsed


def _in_utc(parsed: pd.Series) -> pd.Series:
    """Zoned values converted to UTC; naive ones read in the project's time zone first."""
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert("UTC")
    if not len(parsed):
        return parsed.dt.tz_localize("UTC")
    zone = str(timezone.get_default_timezone())
    return parsed.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")


def _parse_with_layout(stripped: pd.Series, layout: str) -> pd.Series:
    try:
        # utc=True for zoned layouts: values with different offsets then still make one column.
        parsed = pd.to_datetime(stripped, format=layout, errors="coerce", utc="%z" in layout)
    except ValueError as exc:
        raise ImportFileError(f"--date-format {layout!r} is not a strptime layout: {exc}") from exc
    return _in_utc(parsed)


def _parse_iso(stripped: pd.Series) -> pd.Series:
    has_utc = stripped.str.endswith(" UTC")
    if has_utc.all() and len(stripped):  # REES46: "2019-10-01 00:00:00 UTC", read fast with a fixed layout
        parsed = pd.to_datetime(stripped.str[:-4], format="%Y-%m-%d %H:%M:%S", errors="coerce", utc=True)
        retry = parsed.isna()
        if retry.any():
            parsed[retry] = pd.to_datetime(stripped[retry].str[:-4], format="ISO8601", errors="coerce", utc=True)
        return parsed
    text = stripped.str.replace(r" UTC$", "+00:00", regex=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # mixed offsets: answered below with utc=True
        try:
            parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        except (ValueError, TypeError):
            parsed = None
    if parsed is None or parsed.dtype == object:  # naive and zoned values mixed: read naive ones as UTC
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    return _in_utc(parsed)


def _parse_slash_dates(parts: pd.DataFrame, text: pd.Series, column: str) -> pd.Series:
    """A column's slash dates (``text`` and its ``SLASH_DATE`` groups ``parts``) -> UTC timestamps,
    day/month order settled on all of them together (see the module docstring)."""
    first, second = parts["first"].astype(int), parts["second"].astype(int)  # the two numbers before the year
    day_first, month_first = bool((first > 12).any()), bool((second > 12).any())
    if day_first and month_first:
        raise ImportFileError(
            f"{column} mixes day-first dates such as {text[first > 12].iloc[0]!r} with month-first dates such as "
            f"{text[second > 12].iloc[0]!r}; name the file's layout with --date-format, e.g. "
            f"--date-format '{DAY_FIRST_LAYOUT}'"
        )
    if not day_first and not month_first:
        zero_padded = parts["first"].str.startswith("0") | parts["second"].str.startswith("0")
        if zero_padded.any():
            raise ImportFileError(
                f"{column} dates such as {text[zero_padded].iloc[0]!r} read both as day/month and as month/day and no "
                f"date in the file settles which; name the layout with --date-format, e.g. "
                f"--date-format '{DAY_FIRST_LAYOUT}' or --date-format '{MONTH_FIRST_LAYOUT}'"
            )
        month_first = True  # unpadded M/D/YYYY H:MM: the UCI Online Retail export's own layout
    hour, minute, seconds = (parts[name].fillna("0").astype(int) for name in ("hour", "minute", "sec"))
    naive = pd.to_datetime(
        pd.DataFrame(
            {
                "year": parts["year"].astype(int),
                "month": first if month_first else second,
                "day": second if month_first else first,
                "hour": hour,
                "minute": minute,
                "second": seconds,
            }
        ),
        errors="coerce",  # 2/30/2011: a bad row
    )
    # pandas adds hours and minutes as durations (25:00 is the next day): out of range is a bad row too.
    return _in_utc(naive.mask((hour > 23) | (minute > 59) | (seconds > 59)))

