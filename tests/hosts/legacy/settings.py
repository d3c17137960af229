"""A legacy shop hosting the plugin: its own tables (schema.sql) mapped by unmanaged models, read
through its own adapter. Everything else (database and Redis from the environment, Celery, the
REST framework) is the plugin project's settings, reused."""
from electroshop.settings import *  # noqa: F401,F403
from electroshop.settings import INSTALLED_APPS, TEMPLATES

NOT_IN_THIS_SHOP = {"electroshop.shop", "electroshop.demo"}
INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in NOT_IN_THIS_SHOP] + ["tests.hosts.legacy.legacyshop"]

# The admin's templates without the demo storefront's navigation.
_OPTIONS = TEMPLATES[0]["OPTIONS"]
TEMPLATES = [{**TEMPLATES[0], "OPTIONS": {**_OPTIONS, "context_processors": [
    processor for processor in _OPTIONS["context_processors"] if not processor.startswith("electroshop.demo.")]}}]

ROOT_URLCONF = "tests.hosts.legacy.urls"
LOGIN_URL = "admin:login"

ELECTROSHOP = {
    "SHOP_ADAPTER": "tests.hosts.legacy.legacyshop.adapter.LegacyShopAdapter",
    "CURRENCY": "EUR",
}
