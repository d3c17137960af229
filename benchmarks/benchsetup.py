"""Set-up shared by the benchmarks that run the real commands against a fresh database."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path


def setup_django(db_file: Path | None, *, prefix: str) -> str:
    """Point Django at DATABASE_URL, else at ``db_file`` (default: a new temporary SQLite file), with
    this run's own artifact directory (model files are named app/kind/version), and set it up.
    Returns "vendor name" of the database."""
    if "DATABASE_URL" not in os.environ:
        if db_file is None:
            db_file = Path(tempfile.mkdtemp(prefix=f"{prefix}_")) / "db.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    os.environ.setdefault("ARTIFACT_DIR", tempfile.mkdtemp(prefix=f"{prefix}_artifacts_"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "electroshop.settings")
    import django

    django.setup()
    from django.db import connection

    return f"{connection.vendor} {connection.settings_dict['NAME']}"


def migrate_and_import_online_retail(path: Path, *, until: str, reuse: bool, steps: dict[str, float]) -> None:
    """``migrate``, then ``import_orders --format online-retail PATH --until UNTIL`` into an empty
    database (``reuse``: keep the orders an earlier run imported). Times land in ``steps``."""
    from django.core.management import call_command

    from electroshop.shop.models import Order

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    steps["migrate"] = time.perf_counter() - t
    if reuse and Order.objects.exists():
        print("--reuse: the orders already in this database are used as imported (import step skipped)")
        return
    if Order.objects.exists():
        raise SystemExit("the database already holds orders: give an empty one (or --reuse)")
    t = time.perf_counter()
    call_command("import_orders", "--format", "online-retail", str(path), "--until", until, verbosity=0)
    steps["import_orders"] = time.perf_counter() - t
