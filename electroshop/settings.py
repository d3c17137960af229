"""Settings for ElectroShop AI.

Everything comes from the environment (django-environ). With nothing set the project runs in one
process: a SQLite file, the local-memory cache and Celery tasks executed eagerly in-process.
``DATABASE_URL`` switches to PostgreSQL (psycopg 3); ``REDIS_URL`` switches the cache to Redis and
Celery to a Redis broker served by real workers.
"""
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; silently ignored when absent

DEBUG = env.bool("DEBUG", default=False)
# The default key is only good for local runs; production must set SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="electroshop-insecure-local-development-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Before staticfiles: `runserver` leaves static files to WhiteNoise, as gunicorn does.
    "whitenoise.runserver_nostatic",
    "electroshop.apps.ElectroShopAdminConfig",  # django.contrib.admin, branded, with the overview
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "electroshop.shop",
    "electroshop.mlops",
    "electroshop.seam",
    "electroshop.api",
    "electroshop.demo",
    "recommendations",
    "forecasting",
    "fraud",
    "experiments",
    "monitoring",
]

MIDDLEWARE = [
    # Service metrics (GET /metrics): every API request counted and timed in memory, by route and status.
    "electroshop.metrics.RequestMetricsMiddleware",
    # First, so it times the whole request: recommendation reads per model version (canary guardrails).
    "experiments.readstats.ReadStatsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves /static/ from STATIC_ROOT in every mode (runserver, gunicorn): no web server needed in front.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "electroshop.urls"
WSGI_APPLICATION = "electroshop.wsgi.application"
ASGI_APPLICATION = "electroshop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "electroshop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "electroshop.demo.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers (the server) and a writer (a retrain) work side by side.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
# Persistent connections on both backends: opening one (and, on SQLite, running the PRAGMAs) per
# request cost more than a hot read's own query.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down must degrade to "no cache", never to a 500: see electroshop.cache.
            "BACKEND": "electroshop.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "electroshop",
            "TIMEOUT": env.int("CACHE_TIMEOUT", default=3600),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "electroshop",
            "TIMEOUT": env.int("CACHE_TIMEOUT", default=3600),
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Hashed names (cached forever by browsers) and gzip/brotli copies, written by `collectstatic`.
# Pages render only after `collectstatic` has written the manifest (`make demo` and `make serve` run it).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The storefront's sign-in (customers and staff); the admin keeps its own at /admin/login/.
LOGIN_URL = "demo:login"
LOGIN_REDIRECT_URL = "demo:home"
LOGOUT_REDIRECT_URL = "demo:home"

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None  # training progress lives in mlops.TrainingRun, not in Celery
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"ml.*": {"queue": "ml"}}
CELERY_TASK_ACKS_LATE = False  # training tasks opt in with acks_late=True
# A late-acked message whose worker died goes back to the queue after this many seconds (Redis broker).
# Longer than any one task runs: a task still running then is delivered a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- REST framework -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "electroshop.api.authentication.ServiceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "write": env.str("THROTTLE_WRITE", default="600/min"),
        # The fraud score endpoint's own rate per service token or staff user: a backfill or a replay
        # scores in bulk, which the browsers' write rate would stop.
        "fraud_score": env.str("THROTTLE_FRAUD_SCORE", default="60000/min"),
        "collect": env.str("THROTTLE_COLLECT", default="120/min"),
    },
    "EXCEPTION_HANDLER": "electroshop.api.exceptions.json_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    # Behind a reverse proxy set NUM_PROXIES so throttles see the client's address, not the proxy's.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=None),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ElectroShop AI API",
    "DESCRIPTION": "Recommendations, demand forecasts and fraud scores for the shop.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from the app, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # validatorUrl None: no badge image fetched from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    # drf-spectacular's ReDoc page loads Google Fonts; api/redoc.html drops them, ReDoc uses the system's.
    "REDOC_UI_SETTINGS": {
        "theme": {"typography": {"fontFamily": "system-ui, sans-serif", "headings": {"fontFamily": "system-ui, sans-serif"}}}
    },
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps answer with a "source" field; give each choice set its own name.
    "ENUM_NAME_OVERRIDES": {
        "RecommendationSourceEnum": "recommendations.api.serializers.RECOMMENDATION_SOURCES",
        "ForecastSourceEnum": ["model", "fallback"],
        "FraudScoreSourceEnum": ["model", "rules_only"],
        "ExperimentMetricEnum": ["ctr", "conversion", "revenue_per_subject"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"electroshop": {"level": env.str("LOG_LEVEL", default="INFO")}},
}

# --- ElectroShop AI -----------------------------------------------------------------------------
# One namespaced setting; every key and its default is documented in electroshop/conf.py.
ELECTROSHOP = env.json("ELECTROSHOP_JSON", default={})
ELECTROSHOP.setdefault("PRODUCT_IMAGE_URL", "/product-images/{sku}.svg")  # the demo shop's placeholder pictures
ELECTROSHOP.setdefault("ARTIFACT_DIR", env.str("ARTIFACT_DIR", default=str(BASE_DIR / "var" / "artifacts")))
ELECTROSHOP.setdefault("METRICS_DIR", env.str("METRICS_DIR", default=str(BASE_DIR / "var" / "metrics")))
ELECTROSHOP.setdefault("FRAUD_WEBHOOK_URL", env.str("FRAUD_WEBHOOK_URL", default=""))
ELECTROSHOP.setdefault("FRAUD_WEBHOOK_SECRET", env.str("FRAUD_WEBHOOK_SECRET", default=""))
