"""ElectroShop AI's one namespaced setting.

Override any key in ``settings.ELECTROSHOP`` (or, from the environment, with the JSON object in
``ELECTROSHOP_JSON``). Values a merchant tunes day to day (rules, lists, hidden products, event
weights) are admin-editable rows instead; the keys here are their defaults.

    from electroshop.conf import electroshop_settings
    electroshop_settings.RECOMMENDATIONS_TOP_N
"""
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

DEFAULTS: dict[str, Any] = {
    # --- shop / general ---
    "SHOP_ADAPTER": "builtin",  # the shop the AI apps read: "builtin", "oscar" (django-oscar) or a dotted path to a ShopAdapter subclass
    "CURRENCY": "GBP",  # currency of imported prices when the file does not say
    "ARTIFACT_DIR": "var/artifacts",  # where trained model files are written (checksummed)
    # Where every web and Celery process writes its service metrics (electroshop/metrics.py): one
    # directory shared by all the processes of an installation; relative paths are under the project.
    "METRICS_DIR": "var/metrics",
    "KEEP_MODEL_VERSIONS": 3,  # versions kept per kind besides the active one (and a running canary's candidate) when pruning
    "SELECTOR_CACHE_SECONDS": 60,  # how long a read (e.g. the active version id) stays in the Django cache; other processes with a local-memory cache see an activation after at most this
    "IMPORT_BATCH_SIZE": 5000,  # rows per bulk insert in importers
    "EVENTS_BATCH_MAX": 1000,  # most events accepted by one POST /api/v1/events/
    "API_TOKEN_CACHE_SECONDS": 30,  # how long a token's user stays in the Django cache (0 = off); deleting a token or saving its user or customer forgets it at once, a change that bypasses model signals (queryset.update, SQL) is seen after at most this
    # --- recommendations ---
    "PRODUCT_URL": "/product/{sku}/",  # where storefront widgets link a product ({sku} is URL-quoted, {id} the product id)
    "PRODUCT_IMAGE_URL": "",  # the product's picture on widget cards ({sku} is URL-quoted, {id} the product id); "" = cards without pictures
    "RECOMMENDATIONS_TOP_N": 100,  # cached items per customer
    "RECOMMENDATIONS_DEFAULT_LIMIT": 10,  # items returned when the client sets no limit
    "RECOMMENDATIONS_MAX_LIMIT": 100,
    "RECOMMENDATIONS_EVENT_WEIGHTS": {
        "view": 1.0, "click": 2.0, "search": 0.5, "review": 3.0,
        "wishlist": 4.0, "cart": 6.0, "purchase": 10.0,
    },
    "RECOMMENDATIONS_HALF_LIFE_DAYS": 120.0,  # time decay of interactions (120 chosen on the online-retail validation window)
    "RECOMMENDATIONS_REGRESSION_TOLERANCE": 0.02,  # relative NDCG@10 drop allowed before a new version is not activated
    "RECOMMENDATIONS_FILL_CHUNK_SIZE": 2000,  # customers per cache-fill sub-task
    "RECOMMENDATIONS_PRODUCT_CHUNK_SIZE": 5000,  # products per similar / bought-together fill sub-task
    # the first value of the admin's per-category cap (recommendation settings; 0 = off), read until it is saved
    "RECOMMENDATIONS_MAX_PER_CATEGORY": 4,
    # A customer's rendered list, the product cards and a customer's bought products are reused
    # while nothing they depend on changed (electroshop.seam.stamps), at most this long (0 = off):
    # the bound for changes made around model signals.
    "RECOMMENDATIONS_RESPONSE_CACHE_SECONDS": 10,
    "RECOMMENDATIONS_TRENDING_DAYS": 14,  # "trending" = distinct customers over this many days before training: the trending generator, the trending lists per category and per customer segment
    # "New in" lists: products created in the last this many days, newest first (at most 500 of them).
    "RECOMMENDATIONS_NEW_IN_DAYS": 30,
    # Negative feedback (per customer or browser session, from the storefront's impression and click
    # events): a product shown this many times in RECOMMENDATIONS_IMPRESSIONS_DAYS without a click
    # from that visitor has its score multiplied by RECOMMENDATIONS_DEMOTION_FACTOR in their lists...
    "RECOMMENDATIONS_IMPRESSIONS_BEFORE_DEMOTION": 3,
    "RECOMMENDATIONS_IMPRESSIONS_DAYS": 7,
    "RECOMMENDATIONS_DEMOTION_FACTOR": 0.3,
    # ...and a product shown to them this many times today (UTC) leaves their lists until tomorrow
    # (pinned products excepted; 0 = no cap).
    "RECOMMENDATIONS_MAX_IMPRESSIONS_PER_DAY": 10,
    # "Buy it again": the repurchase interval assumed when neither the customer, the product, its
    # category nor the shop has a measured one.
    "RECOMMENDATIONS_BUY_AGAIN_DEFAULT_DAYS": 30,
    # --- forecasting ---
    "FORECAST_HORIZON_DAYS": 28,
    "FORECAST_SERVICE_LEVEL": 0.95,  # default target service level for safety stock
    "FORECAST_REVIEW_PERIOD_DAYS": 7,
    "FORECAST_FILL_CHUNK_SIZE": 5000,  # products per forecast sub-task: one global model each, whose fit costs the same from ~1,500 products up (its rows are capped)
    "FORECAST_BASELINE_SAMPLE": 200,  # products per run whose baselines (SeasonalNaive, AutoETS) are backtested for the accuracy table
    # New products: an active, in-stock product with fewer than this many days since its launch is forecast
    # from analogues (same category, brand, price band) over their first this many days, blended with its
    # own forecast as its history accumulates (forecasting/README.md, "New products").
    "FORECAST_ANALOGUE_DAYS": 28,
    "FORECAST_ANALOGUE_PRICE_BAND": 0.5,  # analogue prices within [price / 1.5, price x 1.5]
    # Issued forecasts (bias tracking, override report): the first this many days of each activated
    # forecast are kept per product and day (a newer origin overwrites), for this many days.
    "FORECAST_ISSUED_DAYS": 7,
    "FORECAST_ISSUED_KEEP_DAYS": 120,
    "FORECAST_BIAS_WEEKS": 4,  # bias = issued forecast minus actual units over this many weeks (dashboard, API default)
    # Public holidays of this country (ISO 3166 code, the `holidays` package) are a known input of the
    # forecast, past and future; "" = none.
    "FORECAST_COUNTRY": "GB",
    # statsforecast candidates (Theta, AutoETS; Croston, TSB, ADIDA) are fitted on at most this many recent days
    "FORECAST_STAT_WINDOW_DAYS": 364,
    # AutoETS (~85 ms per fit of a year, three fits per series) is a candidate only in a chunk with at
    # most this many smooth / erratic series; Theta always is
    "FORECAST_AUTO_ETS_MAX_SERIES": 50,
    # a series with at least this many selling days in the backtest windows may choose its own
    # candidate combination (shrunk toward its demand class's; the shrinkage is chosen by backtest)
    "FORECAST_PER_SERIES_MIN_SALES": 10,
    # --- fraud ---
    # With a trained model, unless the merchant sets thresholds in the admin, each version derives
    # them from its training window's (out-of-sample) scores: at most these shares of orders go to
    # review and to block.
    "FRAUD_REVIEW_SHARE": 0.03,
    "FRAUD_BLOCK_SHARE": 0.01,
    # Without a model (rules-only points): score (0-100) at or above which an order goes to review, is blocked.
    "FRAUD_REVIEW_THRESHOLD": 50,
    "FRAUD_BLOCK_THRESHOLD": 85,
    # An order older than this with no label is presumed genuine (a training row); entity risk divides
    # the frauds known on an entity by its orders at least this old.
    "FRAUD_LABEL_DELAY_DAYS": 7,
    # A fraud label (chargeback, rejection) counts in entity risk from the day it is known, whatever its
    # delay, if its order is at most this many days old: chargebacks arrive 30 to 90 days late.
    "FRAUD_LABEL_LOOKBACK_DAYS": 120,
    # The customer's usual amount is measured over this many days, so a few weeks of fraudulent amounts
    # do not become the norm.
    "FRAUD_PROFILE_DAYS": 90,
    "FRAUD_TRAIN_DAYS": 180,  # orders of this many days before the as-of day are training rows
    "FRAUD_TREES": 200,  # trees of the supervised random forest and of the isolation forest
    # Scoring a new order when it is saved: "inline" scores it in the shop's request within
    # FRAUD_SCORE_BUDGET_MS (past it, the rules alone, reason MODEL_TIMEOUT); "queue" hands it to a
    # Celery worker (the request waits for nothing); "off" leaves scoring to the shop's own API calls.
    "FRAUD_SCORE_ON_CREATE": "inline",
    "FRAUD_SCORE_BUDGET_MS": 50,
    # The shop's webhook for fraud decisions and actions (empty: none), signed with HMAC-SHA256 under
    # the secret (see fraud/webhooks.py); a failed delivery is retried FRAUD_WEBHOOK_MAX_ATTEMPTS times,
    # waiting FRAUD_WEBHOOK_RETRY_SECONDS, then twice as long each time (at most half an hour).
    "FRAUD_WEBHOOK_URL": "",
    "FRAUD_WEBHOOK_SECRET": "",
    "FRAUD_WEBHOOK_MAX_ATTEMPTS": 8,
    "FRAUD_WEBHOOK_RETRY_SECONDS": 30,
    "FRAUD_WEBHOOK_TIMEOUT_SECONDS": 5,
    # --- experiments: attribution and KPIs (update_experiments) ---
    # An order line is a recommended sale when its customer clicked the same product in a list at most
    # this many days before the order (the last such click is credited).
    "EXPERIMENTS_ATTRIBUTION_DAYS": 7,
    "EXPERIMENTS_EVENT_BATCH_SIZE": 50000,  # events read (and committed) at a time
    # An event id missing when read (its transaction had not committed: ids are taken in order, commits
    # are not) is looked for again by every run for this long, then taken as rolled back
    # (experiments/event_ranges.py); an event committed later than this after that read is not counted.
    "EXPERIMENTS_EVENT_SETTLE_SECONDS": 900,
    # Orders are read again this far back of where the previous run stopped, so an order committed late,
    # or a click posted after its order was first read, is still attributed (a sale counts once).
    "EXPERIMENTS_ORDER_OVERLAP_MINUTES": 15,
    # --- canary rollouts of new model versions (experiments/rollout.py; a RolloutPolicy admin row per
    # app overrides these) ---
    # app -> "immediate" (a version that passes the offline gate is activated at once) or "canary" (it
    # serves a growing share of subjects first); apps not named are immediate. Only "recommendations"
    # can canary: its reads are bucketed per customer or session (system check experiments.E001).
    "ROLLOUT_POLICY": {},
    "ROLLOUT_CANARY_STEPS": [10, 25, 50, 75, 100],  # the candidate's share of subjects (percent) at each step
    "ROLLOUT_WINDOW_HOURS": 24,  # how long each step serves before the next one (evaluation window)
    # Guardrails on the candidate's reads since its step started, checked every update_experiments run
    # once it has ROLLOUT_MIN_READS reads there; a breach rolls back at once.
    "ROLLOUT_MAX_ERROR_RATE": 0.01,  # share of the candidate's reads that failed (a 5xx answer, a widget read that raised)
    "ROLLOUT_MAX_P95_MS": 250,  # 95th percentile of the candidate's read latency (the read path's p99 target is 25 ms)
    # reads of the candidate in a step (API requests and storefront widget reads) before its error rate and
    # latency are judged; a step waits for them
    "ROLLOUT_MIN_READS": 500,
    # The candidate's primary KPI may not be significantly worse than control's (sequential test) by more
    # than this relative drop (0.05 = 5% below control).
    "ROLLOUT_KPI_TOLERANCE": 0.05,
    "ROLLOUT_PRIMARY_METRIC": "ctr",  # ctr, conversion or revenue_per_subject
    # Read statistics behind those guardrails (experiments/readstats.py): each web process counts its
    # recommendation reads in memory and adds them to the Django cache at its first read this many
    # seconds after the oldest one not added yet...
    "READ_STATS_FLUSH_SECONDS": 5,
    # ...in counters per model version and time slot of this length (a step's figures start with the
    # slot holding its start), kept this long (at least the longest step window).
    "READ_STATS_SLOT_SECONDS": 3600,
    "READ_STATS_KEEP_HOURS": 72,
    # --- model monitoring (manage.py check_models, GET /api/v1/monitoring/) ---
    # Data drift of each model's inputs, the last MONITORING_CURRENT_DAYS before the check against the
    # model version's training window. A numeric feature's PSI at or above MONITORING_PSI_DRIFT is
    # drift (at or above MONITORING_PSI_WARN a warning); a Kolmogorov-Smirnov or chi-square test is
    # drift below MONITORING_P_VALUE divided by the number of features tested (Bonferroni).
    "MONITORING_PSI_WARN": 0.1,
    "MONITORING_PSI_DRIFT": 0.25,
    "MONITORING_P_VALUE": 0.05,
    "MONITORING_DRIFT_SHARE": 0.5,  # share of drifted features at or above which the whole input drifted
    "MONITORING_CURRENT_DAYS": 7,  # the window compared with the training window
    # The reference: the last this many days of the serving version's training window (the days before
    # its as_of when it recorded none; before the current window when no version serves).
    "MONITORING_REFERENCE_DAYS": 28,
    "MONITORING_MAX_CATEGORIES": 10,  # forecasting: the best-selling categories whose daily units are each a feature
    # Days between retrains of each app (the nightly schedule): a model older than twice this is stale.
    "MONITORING_RETRAIN_DAYS": {"recommendations": 1, "forecasting": 1, "fraud": 1},
}


class ElectroShopSettings:
    """Attribute access to ELECTROSHOP with defaults; unknown names fail loudly."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in DEFAULTS:
            raise AttributeError(f"ELECTROSHOP has no setting {name!r}")
        if name not in self._cache:
            user = getattr(settings, "ELECTROSHOP", {}) or {}
            self._cache[name] = user.get(name, DEFAULTS[name])
        return self._cache[name]

    def reload(self) -> None:
        self._cache.clear()


electroshop_settings = ElectroShopSettings()


def _reload_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "ELECTROSHOP":
        electroshop_settings.reload()


setting_changed.connect(_reload_on_change)
