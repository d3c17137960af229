"""The shop's own schema (schema.sql): created with its SQL before the plugin's migrations run,
as in a shop that existed long before the plugin."""
from pathlib import Path

from django.db import connections

SCHEMA = Path(__file__).with_name("schema.sql")
HOST_TABLES = ("inv_item_group", "inv_item", "crm_client", "sales_header", "sales_line", "wh_stock")


def schema_statements() -> list[str]:
    sql = "\n".join(line for line in SCHEMA.read_text().splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


def table_description(table: str, using: str = "default") -> list[tuple]:
    """A table's columns as the database describes them: name, type, nullable."""
    with connections[using].cursor() as cursor:
        return [(column.name, column.type_code, column.null_ok)
                for column in connections[using].introspection.get_table_description(cursor, table)]


# The shop's tables as its own SQL created them, before the plugin's migrations ran.
TABLES_BEFORE_MIGRATE: dict[str, list[tuple]] = {}


def create_before_migrate(*, using: str, **kwargs) -> None:
    """pre_migrate: the shop's tables exist before the plugin is installed, as in a real shop."""
    if TABLES_BEFORE_MIGRATE:
        return
    with connections[using].cursor() as cursor:
        for statement in schema_statements():
            cursor.execute(statement)
    TABLES_BEFORE_MIGRATE.update({table: table_description(table, using) for table in HOST_TABLES})


