"""Every admin changelist, and the overview, answers in under a second: timed against the current database.

Logs in as a superuser with Django's test Client (``bench-admin``, created if missing) and requests
``/admin/`` and every registered ModelAdmin's changelist three ways: plain, with the first choice of
its first filter (read from the page's own filter links), and sorted by its first sortable column
descending. Each URL is requested ``--repeat`` times after one warm-up request; the median is
compared with ``--limit`` (default 1 s). Prints every time, the slowest and PASS/FAIL.

    DATABASE_URL=sqlite:////tmp/admin-large.sqlite3 .venv/bin/python benchmarks/admin_changelists.py

Without DATABASE_URL it uses the project's default database (``db.sqlite3``). Seed it first, e.g.
``manage.py seed_demo --scale large`` (and ``retrain all --sync`` for the model tables to have rows).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FILTER_LINK = re.compile(r'href="(\?[^"]+)"')
SORT_LINK = re.compile(r'<th scope="col" class="sortable[^"]*">.*?<a href="(\?o=[^"]+)"', re.S)


def first_filter_query(html: str) -> str | None:
    """The first choice (not "All") of the changelist's first filter or date drill-down, as a query string."""
    for marker in ('id="changelist-filter"', 'class="xfull"'):  # the sidebar, then the date hierarchy
        start = html.find(marker)
        if start < 0:
            continue
        for link in FILTER_LINK.findall(html[start:]):
            link = unescape(link)
            if "_facets" not in link and link != "?" and "o=" not in link.split("&")[0]:
                return link
    return None


def descending_sort_query(html: str) -> str | None:
    """Sorted by the first sortable column, descending (``?o=-N``)."""
    match = SORT_LINK.search(html)
    if match is None:
        return None
    column = unescape(match.group(1))[3:].split(".")[0].lstrip("-")
    return f"?o=-{column}"


def timed(client, url: str, repeat: int) -> tuple[float, float, int]:
    """(median, slowest) seconds of ``repeat`` requests after one warm-up, and the status code."""
    status = client.get(url).status_code
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        status = max(status, response.status_code)
    return statistics.median(times), max(times), status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=float, default=1.0, help="seconds a page may take (median)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "electroshop.settings")
    import django

    django.setup()
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    user = get_user_model().objects.filter(username="bench-admin").first() or \
        get_user_model().objects.create_superuser("bench-admin", "bench-admin@example.com", None)
    client = Client()
    client.force_login(user)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; median of {args.repeat} "
          f"after a warm-up; limit {args.limit:.2f} s")

    urls = [("overview", reverse("admin:index"))]
    for model in sorted(admin.site._registry, key=lambda m: (m._meta.app_label, m._meta.model_name)):
        name = f"{model._meta.app_label}.{model._meta.model_name}"
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        urls.append((name, url))
        page = client.get(url).content.decode()
        for variant, query in (("filtered", first_filter_query(page)), ("sorted", descending_sort_query(page))):
            if query:
                urls.append((f"{name} {variant}", url + query))

    results = []
    for name, url in urls:
        median, slowest, status = timed(client, url, args.repeat)
        ok = status == 200 and median < args.limit
        results.append((median, name, url, ok))
        print(f"{'PASS' if ok else 'FAIL'}  {median * 1000:7.0f} ms  (slowest {slowest * 1000:6.0f} ms, "
              f"HTTP {status})  {name}  {url}")
    median, name, url, _ = max(results)
    failed = [r for r in results if not r[3]]
    print(f"slowest: {name} {url}: {median * 1000:.0f} ms")
    print(f"{'PASS' if not failed else 'FAIL'}: {len(results) - len(failed)} of {len(results)} pages under "
          f"{args.limit:.2f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
