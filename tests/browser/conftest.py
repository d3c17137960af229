"""Browser tests: headless Chromium (Debian's package, no browser download) driven by Playwright
against a demo server started the way ``make demo`` starts one: its own SQLite file, the small demo
shop, every model trained, static files collected, ``runserver`` with DEBUG off.

The server gets its own database and local-memory cache even when the suite runs on PostgreSQL and
Redis: the pages are what is under test here, and the services have their own integration tests.
Without Chromium the tests are skipped, unless ``ELECTROSHOP_BROWSER_TESTS=required`` (CI) makes
that a failure. A failing test saves a screenshot of its page under ``var/browser-failures/``.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAILURE_DIR = ROOT / "var" / "browser-failures"
CHROMIUM = os.environ.get("ELECTROSHOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ADMIN_PASSWORD = "browser-admin-pass"
CUSTOMER_PASSWORD = "browser-customer-pass"


@dataclass
class DemoServer:
    url: str
    env: dict
    admin_username: str
    customer_username: str
    token: str

    def manage(self, *args: str) -> str:
        """Run a management command against the server's database and return what it printed."""
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True, timeout=600)
        return done.stdout


def _chromium_available() -> bool:
    if Path(CHROMIUM).exists():
        return True
    if os.environ.get("ELECTROSHOP_BROWSER_TESTS") == "required":
        pytest.fail(f"ELECTROSHOP_BROWSER_TESTS=required but no Chromium at {CHROMIUM}")
    return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    for _ in range(120):
        if process.poll() is not None:
            raise RuntimeError(f"demo server exited at start:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"demo server did not answer /healthz:\n{log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    if not _chromium_available():
        pytest.skip(f"no Chromium at {CHROMIUM} (ELECTROSHOP_CHROMIUM names another)")
    work = tmp_path_factory.mktemp("browser-demo")
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(DATABASE_URL=f"sqlite:///{work / 'demo.sqlite3'}", ARTIFACT_DIR=str(work / "artifacts"),
               OPENBLAS_NUM_THREADS="1", DEBUG="False")
    server = DemoServer(url="", env=env, admin_username="admin", customer_username="customer", token="")
    server.manage("migrate", "--noinput")
    server.manage("collectstatic", "--noinput")
    server.manage("seed_demo", "--scale", "small", "--ground-truth", str(work / "ground_truth.json"))
    server.manage("retrain", "all", "--sync", "--skip-missing")
    logins = server.manage("create_demo_admin", "--password", ADMIN_PASSWORD,
                           "--customer-password", CUSTOMER_PASSWORD)
    server.token = re.search(r"API token for \S+: ([0-9a-f]{40})", logins)[1]
    port = _free_port()
    server.url = f"http://127.0.0.1:{port}"
    log = work / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(server.url, process, log)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(demo_server):
    # Module scope: Playwright's sync API keeps an event loop for as long as it runs, and Django
    # refuses ORM calls while one exists, so it must be gone before any other module's tests.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: they need the slow demo server, and the rest of the suite does not."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test (no shared cookies); a screenshot is kept when the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        FAILURE_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        tab.screenshot(path=str(FAILURE_DIR / f"{name}.png"), full_page=True)
    context.close()


def sign_in(page, url: str, *, path: str, username: str, password: str) -> None:
    page.goto(url + path)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form [type=submit]").first.click()
    page.wait_for_load_state()


@pytest.fixture(autouse=True, scope="session")
def _clean_failure_screenshots():
    shutil.rmtree(FAILURE_DIR, ignore_errors=True)
