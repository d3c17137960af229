"""The plugin never migrates a host table: its migrations name none of the shop's tables, and
``migrate`` leaves them as the shop's own SQL created them."""
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from .schema import HOST_TABLES, TABLES_BEFORE_MIGRATE, table_description


@pytest.fixture
def schema_db(legacy_shop, django_db_blocker):
    """The test database outside a test transaction: SQLite edits schemas only there."""
    with django_db_blocker.unblock():
        yield


def test_the_shops_models_are_unmanaged():
    models = list(apps.get_app_config("legacyshop").get_models())
    assert {model._meta.db_table for model in models} == set(HOST_TABLES)
    assert not any(model._meta.managed for model in models)


def test_migrate_leaves_the_shops_tables_as_they_are(schema_db):
    """The shop's tables were created before the plugin's migrations ran (conftest); after them, and
    after another migrate, they are unchanged."""
    call_command("migrate", run_syncdb=True, verbosity=0)
    assert {table: table_description(table) for table in HOST_TABLES} == TABLES_BEFORE_MIGRATE


def test_no_migration_names_a_shop_table(schema_db):
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    sql = "\n".join(executor.loader.collect_sql(plan))
    assert "CREATE TABLE" in sql  # the plugin's own tables
    for table in HOST_TABLES:
        assert not re.search(rf"\b{table}\b", sql, re.IGNORECASE), table
