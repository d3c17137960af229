# ElectroShop AI: two commands on a fresh machine (Python 3.11+ and make).
#   make demo   install, migrate, collect static, seed the medium demo shop, train the models, create an admin, serve :8000
#   make test   install, run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_SCALE ?= medium
PORT ?= 8000

.PHONY: install test lint-imports demo serve worker beat schema clean

$(STAMP): requirements/base.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $(STAMP)

HOSTS_STAMP := $(VENV)/.hosts-stamp
HOSTS := legacy oscar

# The host projects' own dependencies (django-oscar), for their integration tests only.
$(HOSTS_STAMP): $(STAMP) requirements/hosts.txt
	$(PY) -m pip install --quiet -r requirements/hosts.txt
	touch $(HOSTS_STAMP)

install: $(STAMP)

# The plugin's suite, then each host project's (tests/hosts/<host>: its own settings, its own process).
# The host's directory is passed: pytest reads an ini's testpaths only when run from the ini's directory.
test: install $(HOSTS_STAMP)
	OPENBLAS_NUM_THREADS=1 $(VENV)/bin/pytest
	for host in $(HOSTS); do OPENBLAS_NUM_THREADS=1 $(VENV)/bin/pytest -c tests/hosts/$$host/pytest.ini tests/hosts/$$host || exit 1; done

# The AI apps reach shop data only through electroshop.seam (contracts in pyproject.toml; also run by make test).
lint-imports: install
	$(VENV)/bin/lint-imports

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	$(PY) manage.py seed_demo --scale $(DEMO_SCALE) --if-empty
	OPENBLAS_NUM_THREADS=1 $(PY) manage.py retrain all --sync --skip-missing
	$(PY) manage.py seed_demo_experiment
	$(PY) manage.py update_experiments
	$(PY) manage.py create_demo_admin --new-passwords
	$(PY) manage.py runserver 0.0.0.0:$(PORT)

serve: install
	$(PY) manage.py collectstatic --noinput
	$(PY) manage.py runserver 0.0.0.0:$(PORT)

# With REDIS_URL set: a real worker for both queues, and the beat scheduler.
worker: install
	OPENBLAS_NUM_THREADS=1 $(VENV)/bin/celery -A electroshop worker -Q default,ml --loglevel INFO

beat: install
	$(VENV)/bin/celery -A electroshop beat --loglevel INFO

schema: install
	$(PY) manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm var/ staticfiles/
