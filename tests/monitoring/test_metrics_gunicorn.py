"""Under gunicorn with 2 workers the scraped request counter of the customer endpoint grows by exactly the
number of requests sent, whichever worker answered each (multiprocess collection)."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
N = 200
SETUP = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from electroshop.shop.models import Customer
user = get_user_model().objects.create_user("metrics-service", None, None, is_staff=True)
print(Token.objects.create(user=user).key, Customer.objects.create(email="m@example.com", name="M").pk)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def customer_endpoint_count(text: str) -> float:
    """The customer endpoint's electroshop_api_requests_total, summed over its methods and statuses."""
    return sum(float(value) for labels, value in re.findall(
        r'^electroshop_api_requests_total\{([^}]*)\} (\S+)$', text, re.M)
        if 'endpoint="api/v1/recommendations/customers/<int:customer_id>/"' in labels)


@pytest.fixture
def server(tmp_path):
    """gunicorn (2 workers) on a fresh SQLite file with its own metrics directory; a staff token and a customer."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "METRICS_DIR": str(tmp_path / "metrics"),
           "ARTIFACT_DIR": str(tmp_path / "artifacts"), "DEBUG": "False", "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    token, customer_id = subprocess.run([*manage, "shell", "-v", "0", "-c", SETUP], cwd=ROOT, env=env, check=True,
                                        capture_output=True, text=True).stdout.split()
    port = _free_port()
    process = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "electroshop.wsgi", "-w", "2",
                                "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
                               cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer /healthz")
        yield base, token, int(customer_id)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_the_scraped_counter_equals_the_requests_sent_over_two_workers(server):
    base, token, customer_id = server
    assert _get(f"{base}/metrics")[0] == 401
    status, before = _get(f"{base}/metrics", token)
    assert status == 200
    statuses = [_get(f"{base}/api/v1/recommendations/customers/{customer_id}/?limit=5", token)[0] for _ in range(N)]
    assert statuses == [200] * N
    status, after = _get(f"{base}/metrics", token)
    assert status == 200
    assert customer_endpoint_count(after.decode()) - customer_endpoint_count(before.decode()) == N
