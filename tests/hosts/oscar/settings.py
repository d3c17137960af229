"""A django-oscar shop with ElectroShop AI plugged in: the Oscar integration tests' project.

Oscar's settings as its 4.2 documentation gives them, plus the plugin's apps (without the built-in
shop and its demo storefront) and ``ELECTROSHOP = {"SHOP_ADAPTER": "oscar"}``. Database, cache,
Celery, REST framework and logging come from the plugin's own settings (``electroshop/settings.py``:
``DATABASE_URL`` and ``REDIS_URL`` from the environment, SQLite and in-process otherwise).
"""
from oscar.defaults import *  # noqa: F401,F403  (Oscar's OSCAR_* settings)

from electroshop.settings import (  # noqa: F401  (reused as they are)
    AUTH_PASSWORD_VALIDATORS, BASE_DIR, CACHES, CELERY_ACCEPT_CONTENT, CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP,
    CELERY_BROKER_URL, CELERY_RESULT_BACKEND, CELERY_TASK_ACKS_LATE, CELERY_TASK_ALWAYS_EAGER,
    CELERY_TASK_DEFAULT_QUEUE, CELERY_TASK_EAGER_PROPAGATES, CELERY_TASK_ROUTES, CELERY_TASK_SERIALIZER,
    CELERY_TIMEZONE, CELERY_WORKER_PREFETCH_MULTIPLIER, DATABASES, DEFAULT_AUTO_FIELD, LOGGING, REDIS_URL,
    REST_FRAMEWORK, SPECTACULAR_SETTINGS, TIME_ZONE, env,
)

HOST_DIR = BASE_DIR / "tests" / "hosts" / "oscar"

DEBUG = False
SECRET_KEY = "electroshop-oscar-host-test-key"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = str(BASE_DIR / "var" / "oscar-host.sqlite3")  # never the demo shop's file

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
    # ElectroShop AI
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "electroshop.mlops",
    "electroshop.seam",
    "electroshop.api",
    "recommendations",
    "forecasting",
    "fraud",
    "experiments",
    "monitoring",
]
SITE_ID = 1

MIDDLEWARE = [
    "electroshop.metrics.RequestMetricsMiddleware",  # the plugin's: service metrics (GET /metrics)
    "experiments.readstats.ReadStatsMiddleware",  # the plugin's: recommendation reads per model version
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
ROOT_URLCONF = "tests.hosts.oscar.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HOST_DIR / "templates"],  # the shop's own templates, overriding Oscar's
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    },
]

HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}

LANGUAGE_CODE = "en-gb"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
MEDIA_ROOT = BASE_DIR / "var" / "oscar-host-media"
MEDIA_URL = "/media/"

ELECTROSHOP = {
    "SHOP_ADAPTER": "oscar",
    "ARTIFACT_DIR": str(BASE_DIR / "var" / "oscar-host-artifacts"),
    # Storefront widgets link to Oscar's product page, which redirects to the product's canonical URL.
    "PRODUCT_URL": "/catalogue/_{id}/",
    "CURRENCY": OSCAR_DEFAULT_CURRENCY,  # noqa: F405
}
