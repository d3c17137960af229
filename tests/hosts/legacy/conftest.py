"""The legacy host's test database: the shop's own tables from schema.sql (plain SQL, created before
the plugin's migrations run), the plugin's tables from its migrations, and the shop's data, loaded
once per session. ``trained_shop`` runs ``retrain all --sync`` once over it."""
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models.signals import pre_migrate
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from electroshop.seam import get_adapter
# The plugin suite's fixtures: an empty cache around each test, tasks in-process on request.
from tests.conftest import _clear_cache, eager_celery  # noqa: F401

from . import history, schema


@pytest.fixture(scope="session", autouse=True)
def _files_in_tmp(tmp_path_factory):
    """Model artifacts in a temporary directory; static files served from an empty one (no collectstatic)."""
    from django.conf import settings

    override = override_settings(
        ELECTROSHOP={**settings.ELECTROSHOP, "ARTIFACT_DIR": str(tmp_path_factory.mktemp("artifacts"))},
        STATIC_ROOT=str(tmp_path_factory.mktemp("static")),
        STORAGES={**settings.STORAGES,
                  "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
    )
    override.enable()
    yield
    override.disable()


@pytest.fixture(scope="session")
def _shop_schema_first():
    pre_migrate.connect(schema.create_before_migrate, dispatch_uid="legacy-shop-schema")
    yield
    pre_migrate.disconnect(dispatch_uid="legacy-shop-schema")


@pytest.fixture(scope="session")
def django_db_setup(_shop_schema_first, django_db_setup):
    """The test database: the shop's schema, created with its own SQL, then the plugin's migrations."""
    assert schema.TABLES_BEFORE_MIGRATE, "the shop's schema was not created before migrate"


@pytest.fixture(scope="session")
def legacy_shop(django_db_setup, django_db_blocker) -> dict:
    """The shop's data, committed for the whole session."""
    with django_db_blocker.unblock():
        return history.load(timezone.now())


@pytest.fixture(scope="session")
def trained_shop(legacy_shop, django_db_blocker) -> dict:
    """``manage.py retrain all --sync`` over the shop, once: its output, the shop's ids and stock levels."""
    out, err = StringIO(), StringIO()
    with django_db_blocker.unblock():
        call_command("retrain", "all", "--sync", stdout=out, stderr=err)
        levels = get_adapter().stock_levels()
    return {**legacy_shop, "output": out.getvalue(), "levels": levels}


@pytest.fixture
def staff_client(db) -> APIClient:
    """The shop's back end: a staff user's service token."""
    user = get_user_model().objects.create_user("erp", "erp@example.de", None, is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client
