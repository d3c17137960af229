"""The demo history's calendar: daily traffic and conversion (weekly rhythm, yearly wave, growth,
Black Friday to Cyber Monday, Christmas, Boxing Day) and the promotions that run on it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from electroshop.demo import catalog as cat
from electroshop.demo.sampling import norm

if TYPE_CHECKING:
    from electroshop.demo.products import Products

DAY = 86_400


def black_friday(year: int) -> dt.date:
    nov1 = dt.date(year, 11, 1)
    first_thursday = 1 + (3 - nov1.weekday()) % 7
    return dt.date(year, 11, first_thursday + 21 + 1)


@dataclass
class Calendar:
    start: dt.date
    days: int
    start_ts: int  # epoch seconds of the first midnight
    dates: list[dt.date]
    weekday: np.ndarray
    intensity: np.ndarray  # relative traffic per day
    conversion_boost: np.ndarray  # multiplies the chance a session buys
    black_friday_days: list[int]  # day indices of Black Fridays in range

    def day_of(self, d: dt.date) -> int:
        return (d - self.start).days


def build_calendar(*, rng: np.random.Generator, end_date: dt.date, days: int) -> Calendar:
    start = end_date - dt.timedelta(days=days)
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    weekday = np.array([d.weekday() for d in dates])
    doy = np.array([d.timetuple().tm_yday for d in dates], dtype=float)
    weekly = np.array([0.92, 0.9, 0.93, 0.97, 1.04, 1.12, 1.14])[weekday]
    yearly = 1 + 0.15 * np.cos(2 * np.pi * (doy - 335) / 365.25)  # busiest in late November, quietest in May
    trend = 1 + 0.3 * np.arange(days) / days
    special = np.ones(days)
    conv = np.ones(days)
    bf_days = []
    for year in range(start.year, end_date.year + 1):
        bf = black_friday(year)
        for offset, lift, c in ((-4, 1.3, 1.1), (-3, 1.35, 1.1), (-2, 1.4, 1.15), (-1, 1.6, 1.2), (0, 3.2, 1.6),
                                (1, 2.0, 1.35), (2, 1.8, 1.3), (3, 2.4, 1.45)):  # ... Cyber Monday
            i = (bf - start).days + offset
            if 0 <= i < days:
                special[i] *= lift
                conv[i] *= c
        if 0 <= (bf - start).days < days:
            bf_days.append((bf - start).days)
        for month, day, lift, c in [(12, d, 1.1, 1.0) for d in range(1, 21)] + [
            (12, 21, 1.2, 1.1), (12, 22, 1.15, 1.05), (12, 23, 0.95, 1.0), (12, 24, 0.75, 0.9), (12, 25, 0.5, 0.8),
            (12, 26, 1.9, 1.3), (12, 27, 1.4, 1.15), (12, 28, 1.3, 1.1), (12, 29, 1.2, 1.05), (12, 30, 1.1, 1.0),
        ]:
            i = (dt.date(year, month, day) - start).days
            if 0 <= i < days:
                special[i] *= lift
                conv[i] *= c
    noise = rng.lognormal(0, 0.07, days)
    intensity = weekly * yearly * trend * special * noise
    start_ts = int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp())
    return Calendar(start, days, start_ts, dates, weekday, intensity, conv, bf_days)


# Sessions start more often at lunchtime and in the evening.
HOUR_WEIGHTS = norm(np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.2, 3, 3.4, 3.6, 4, 4.6, 4.4, 4, 3.8, 3.8, 4.2, 5,
                               5.8, 6.2, 5.8, 4.2, 2.2], dtype=float))


def build_promotions(*, rng: np.random.Generator, n_product_promotions: int, cal: Calendar, prod: Products,
                     product_names: list[str], leaf_cat_ids: dict[str, int]):
    n_leaves = len(cat.LEAVES)
    cat_discount = np.zeros((cal.days, n_leaves))
    leaf_paths = [s.path for s in cat.LEAVES]
    rows: list[tuple] = []  # name, product_id, category_id, start_day, end_day, pct

    def add_cat(name: str, li: int, s: int, e: int, pct: float) -> None:
        s, e = max(s, 0), min(e, cal.days - 1)
        if s > e:
            return
        rows.append((name, None, leaf_cat_ids[leaf_paths[li]], s, e, pct))
        cat_discount[s:e + 1, li] = np.maximum(cat_discount[s:e + 1, li], pct)

    for year in range(cal.start.year, cal.dates[-1].year + 1):
        bf = cal.day_of(black_friday(year))
        for path in ("Phones", "TVs", "Laptops", "Audio/Headphones", "Gaming/Consoles", "Smart Home"):
            add_cat(f"Black Friday {year}: {path.split('/')[-1]}", leaf_paths.index(path), bf - 4, bf + 3,
                    float(rng.choice([15, 20, 25])))
        boxing = cal.day_of(dt.date(year, 12, 26))
        for path in ("TVs", "Audio/Speakers", "Cameras", "Wearables"):
            add_cat(f"Boxing Day sale {year}: {path.split('/')[-1]}", leaf_paths.index(path), boxing, boxing + 5,
                    float(rng.choice([10, 15, 20])))
        for month, path in ((3, "Laptops"), (6, "Audio/Headphones"), (8, "Tablets"), (9, "Accessories/Cases")):
            s = cal.day_of(dt.date(year, month, int(rng.integers(1, 20))))
            add_cat(f"{dt.date(year, month, 1):%B} {year} {path.split('/')[-1]} event", leaf_paths.index(path), s,
                    s + int(rng.integers(6, 13)), float(rng.choice([10, 15])))
    prod_promos: list[tuple[int, int, int, float]] = []  # product index, start, end, pct
    w = norm(prod.popularity)
    for pi in rng.choice(len(prod.ids), n_product_promotions, replace=False, p=w).tolist():
        s = int(rng.integers(0, cal.days - 10))
        e = min(s + int(rng.integers(6, 15)), cal.days - 1)
        pct = float(rng.choice([10, 15, 20, 25, 30]))
        prod_promos.append((pi, s, e, pct))
        rows.append((f"Deal of the week: {product_names[pi]}", int(prod.ids[pi]), None, s, e, pct))
    cols = {"id": list(range(1, len(rows) + 1)), "name": [r[0] for r in rows], "product_id": [r[1] for r in rows],
            "category_id": [r[2] for r in rows], "starts_on": [cal.dates[r[3]] for r in rows],
            "ends_on": [cal.dates[r[4]] for r in rows], "discount_percent": [r[5] for r in rows]}
    return cols, cat_discount, prod_promos
