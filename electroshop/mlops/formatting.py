"""How admin screens name metrics and write numbers, money and durations: one place, so every screen agrees.

``metric_label`` turns a stored metric key such as ``validation_ndcg@10_hybrid_heldout`` into
"NDCG@10, hybrid, held-out window": an exact entry of ``LABELS`` if there is one, else the key read
as [scope_]metric[@k][_method][_heldout] from the tables below, else the key in plain words.
Numbers never use scientific notation and group thousands.
"""
import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from electroshop.conf import electroshop_settings

LABELS = {
    # recommendations
    "validation_users": "Customers in the validation window",
    "ranker_pairs": "Re-ranker training pairs",
    "ranker_candidate_recall": "Re-ranker candidate recall",
    "evaluation": "Evaluation on the held-out window",
    "evaluation_window": "Evaluation window",
    "activation": "Activation decision",
    "serving": "Lists served",
    "validation_ndcg@10_served": "NDCG@10, lists served, held-out window",
    "users": "Customers",
    "days": "Days",
    "start": "Start",
    "end": "End",
    "seconds": "Seconds",
    "note": "Note",
    "message": "Message",
    "activate": "Activated",
    "passed_gate": "Passed the offline gate",
    "waiting_for_rollout": "Waits for the rollout",
    "rollout_id": "Rollout",
    # forecasting
    "origin": "Forecast origin",
    "horizon": "Horizon (days)",
    "products": "Products forecast",
    "categories": "Category series",
    "backtest": "Backtest (last horizon before the origin held out)",
    "series": "Series",
    # fraud
    "holdout_rows": "Orders in the time hold-out",
    "holdout_frauds": "Frauds in the time hold-out",
    "rows": "Training rows",
    "frauds": "Confirmed frauds",
    "genuine": "Genuine orders",
    "fake": "Fake reviews",
    "model": "Model type",
}

METRICS = {
    "ndcg": "NDCG", "precision": "Precision", "recall": "Recall", "map": "MAP", "hit_rate": "Hit rate",
    "coverage": "Catalogue coverage", "diversity": "Diversity", "novelty": "Novelty",
    "wrmsse": "WRMSSE", "wape": "WAPE", "coverage80": "80% interval coverage", "coverage95": "95% interval coverage",
    "auc_roc": "ROC AUC", "average_precision": "Average precision (AP)",
}
METHODS = {
    "hybrid": "hybrid", "ease": "EASE", "als": "ALS", "item_knn": "item kNN", "most_popular": "most popular",
    "popular": "most popular", "trending": "trending", "covisit": "session co-visitation", "content": "content",
    "bought_together": "bought together", "engine": "engine", "seasonal_naive": "seasonal naive",
    "auto_ets": "AutoETS", "croston": "Croston", "naive": "naive",
}
SCOPES = {"validation_": "validation window", "holdout_": "time hold-out"}
# The figures that say how good a version of each app is, first the one drawn over versions.
HEADLINE_METRICS = {
    # the lists a version serves (the activation gate's choice), then the hybrid's own score
    "recommendations": ("validation_ndcg@10_served", "validation_ndcg@10_hybrid_heldout"),
    "forecasting": ("wape_engine", "wrmsse_engine"),
    "fraud": ("holdout_average_precision", "holdout_auc_roc"),
}
HELD_OUT = "_heldout"


def metric_label(key: str) -> str:
    """A merchant's name for a stored metric key (see the module docstring)."""
    if key in LABELS:
        return LABELS[key]
    if key in METHODS:
        return METHODS[key][0].upper() + METHODS[key][1:]
    rest, scope = key, ""
    for prefix, label in SCOPES.items():
        if rest.startswith(prefix):
            rest, scope = rest[len(prefix):], label
    if rest.endswith(HELD_OUT):
        rest, scope = rest[: -len(HELD_OUT)], "held-out window"
    for name in sorted(METRICS, key=len, reverse=True):
        if rest == name or rest.startswith((name + "@", name + "_")):
            label, rest = METRICS[name], rest[len(name):]
            if rest.startswith("@"):
                at_k, _, rest = rest[1:].partition("_")
                label += f"@{at_k}"
            else:
                rest = rest[1:]
            parts = [label, METHODS.get(rest, rest.replace("_", " ")), scope]
            return ", ".join(part for part in parts if part)
    return key.replace("_", " ").capitalize()


def format_number(value: float | int | Decimal | None, *, digits: int = 3) -> str:
    """``digits`` significant digits (at most 6 decimals), thousands grouped, never scientific; "—" for none."""
    if value is None or isinstance(value, bool):
        return "—" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    number = float(value)
    if not math.isfinite(number):
        return "—"
    if abs(number) < 5e-7:  # rounds to 0 at 6 decimals
        return "0"
    if number.is_integer():  # a count stored as a float (54.0 customers)
        return f"{int(number):,}"
    magnitude = math.floor(math.log10(abs(number)))
    decimals = min(max(digits - 1 - magnitude, 0), 6)
    return f"{number:,.{decimals}f}"


def format_percent(value: float | None, *, decimals: int = 1) -> str:
    """A share (0.234) as a percentage ("23.4%")."""
    return "—" if value is None else f"{float(value) * 100:,.{decimals}f}%"


PERCENT_METRICS = ("wape", "coverage80", "coverage95")  # shares a merchant reads as percentages


def format_metric(key: str, value: float | None) -> str:
    """A metric's value as every screen writes it: shares such as WAPE as percentages, the rest as numbers."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key.startswith(PERCENT_METRICS):
        return format_percent(value)
    return format_number(value)


CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def format_money(amount: object, currency: str | None = None) -> str:
    """One money format for the storefront, the widgets and every admin screen: "£1,234.50", or
    "1,234.50 CHF" for a currency without a symbol; half a penny rounds up, as tills do."""
    if amount is None:
        return "—"
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(amount)
    currency = (currency or electroshop_settings.CURRENCY).upper()
    sign = "-" if value < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{abs(value):,.2f}" if symbol else f"{sign}{abs(value):,.2f} {currency}"


def format_duration(seconds: float | None) -> str:
    """"12.3 s", "4 min 05 s", "2 h 03 min"."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
