"""The merchant's rule language, list matching and the rules-only score. No database access.

A rule's ``conditions`` is a JSON list of clauses, all of which must hold::

    [{"feature": "amount", "op": ">=", "value": 500},
     {"feature": "ip_country", "op": "not_in", "value": ["United Kingdom", "Ireland"]}]

``feature`` is a feature or order attribute (see :func:`fraud.features.rule_feature_names`),
``op`` one of ``> >= < <= == != in not_in``. Ordering ops need a number; ``in``/``not_in`` a
non-empty list. Nothing is evaluated as code. A clause on a missing value (e.g. ``model_score``
when no model is active) does not hold.
"""
from __future__ import annotations

import ipaddress
import math
from typing import Any, Mapping, NamedTuple, Sequence

ORDERING_OPS = (">", ">=", "<", "<=")
OPS = ORDERING_OPS + ("==", "!=", "in", "not_in")
MAX_CLAUSES = 20
MAX_LIST_VALUES = 500


class RuleError(ValueError):
    """A rule's conditions are not valid; the message says which clause and why."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_conditions(conditions: Any) -> list[dict]:
    """Return the conditions normalised, or raise RuleError naming the bad clause."""
    from .features import rule_feature_names

    known = set(rule_feature_names())
    if not isinstance(conditions, list) or not conditions:
        raise RuleError('conditions must be a non-empty JSON list of {"feature", "op", "value"} clauses')
    if len(conditions) > MAX_CLAUSES:
        raise RuleError(f"at most {MAX_CLAUSES} clauses per rule")
    out = []
    for n, clause in enumerate(conditions, start=1):
        where = f"clause {n}"
        if not isinstance(clause, dict):
            raise RuleError(f'{where}: must be an object like {{"feature": "amount", "op": ">", "value": 100}}')
        extra = set(clause) - {"feature", "op", "value"}
        if extra or not {"feature", "op", "value"} <= set(clause):
            raise RuleError(f'{where}: needs exactly the keys "feature", "op" and "value"')
        feature, op, value = clause["feature"], clause["op"], clause["value"]
        if not isinstance(feature, str) or feature not in known:
            raise RuleError(f"{where}: unknown feature {feature!r}; known features include "
                            f"{', '.join(sorted(known)[:12])}, ...")
        if op not in OPS:
            raise RuleError(f"{where}: unknown op {op!r}; use one of {' '.join(OPS)}")
        if op in ORDERING_OPS and not _is_number(value):
            raise RuleError(f"{where}: {op} needs a number, not {value!r}")
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value or len(value) > MAX_LIST_VALUES:
                raise RuleError(f"{where}: {op} needs a non-empty list (at most {MAX_LIST_VALUES} values)")
            if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) or v is None for v in value):
                raise RuleError(f"{where}: {op} values must be strings or numbers")
        if op in ("==", "!=") and not (value is None or isinstance(value, (str, int, float, bool))):
            raise RuleError(f"{where}: {op} needs a string, number, true/false or null")
        out.append({"feature": feature, "op": op, "value": value})
    return out


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, bool):
        return float(value)
    return float(value) if _is_number(value) else value


def clause_holds(clause: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    actual = values.get(clause["feature"])
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return False
    op, expected = clause["op"], clause["value"]
    if op in ORDERING_OPS:
        if not _is_number(actual) and not isinstance(actual, bool):
            return False
        a, e = float(actual), float(expected)
        return {">": a > e, ">=": a >= e, "<": a < e, "<=": a <= e}[op]
    if op in ("in", "not_in"):
        inside = _norm(actual) in {_norm(v) for v in expected}
        return inside if op == "in" else not inside
    equal = _norm(actual) == _norm(expected)
    return equal if op == "==" else not equal


def conditions_hold(conditions: Sequence[Mapping[str, Any]], values: Mapping[str, Any]) -> bool:
    return all(clause_holds(c, values) for c in conditions)


class CompiledRule(NamedTuple):
    id: int
    name: str
    action: str
    priority: int
    conditions: list


def first_matching_rule(rules: Sequence[CompiledRule], values: Mapping[str, Any]) -> CompiledRule | None:
    """Rules in ascending priority (then id); the first whose clauses all hold wins."""
    for rule in sorted(rules, key=lambda r: (r.priority, r.id)):
        if conditions_hold(rule.conditions, values):
            return rule
    return None


# --- allow / block lists ---------------------------------------------------------------------------

def normalise_list_value(kind: str, value: Any) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValueError("a value is required")
    if kind in ("email", "email_domain"):
        text = text.lower()
        if kind == "email" and "@" not in text:
            raise ValueError("an e-mail address needs an @")
        if kind == "email_domain":
            text = text.lstrip("@")
            if "@" in text or "." not in text:
                raise ValueError("give a domain like mailinator.com")
    elif kind == "ip":
        try:
            text = str(ipaddress.ip_address(text))
        except ValueError:
            raise ValueError(f"{text!r} is not an IP address") from None
    elif kind == "customer":
        if not text.isdigit():
            raise ValueError("a customer id is a whole number")
        text = str(int(text))
    return text


def identities_of(order: Mapping[str, Any]) -> dict[str, str]:
    """The list kinds an order can match, with its normalised values (blank ones left out)."""
    out = {}
    email = str(order.get("email") or "").strip().lower()
    if email:
        out["email"] = email
        if "@" in email:
            out["email_domain"] = email.rpartition("@")[2]
    for kind, field in (("ip", "ip_address"), ("device", "device_id"), ("card_fingerprint", "card_fingerprint")):
        value = str(order.get(field) or "").strip()
        if value:
            try:
                out[kind] = normalise_list_value(kind, value)
            except ValueError:
                out[kind] = value
    if order.get("customer_id") not in (None, ""):
        out["customer"] = str(int(order["customer_id"]))
    return out


def list_hits(lists: Mapping[str, Mapping[str, set]], identities: Mapping[str, str], list_type: str) -> list[dict]:
    """Entries of one list type that an order's identities match."""
    entries = lists.get(list_type, {})
    return [{"type": f"{list_type}_list", "kind": kind, "value": value}
            for kind, value in identities.items() if value in entries.get(kind, ())]


# --- rules-only score ----------------------------------------------------------------------------------

class Signal(NamedTuple):
    code: str
    points: float
    message: str


def heuristic_signals(f: Mapping[str, float]) -> list[Signal]:
    """The rules-only score's signals: a transparent points table over the same features."""
    g = lambda name: float(f.get(name, 0.0) or 0.0)  # noqa: E731
    out: list[Signal] = []
    known_fraud = [e for e in ("customer", "email", "device_id", "ip_address", "card_fingerprint", "shipping_address")
                   if g(f"{e}_nb_fraud_30d") > 0]
    if known_fraud:
        out.append(Signal("KNOWN_FRAUD_ENTITY", 45, "confirmed fraud in the last 30 days on the same "
                          + ", ".join(e.replace("_id", "").replace("_", " ") for e in known_fraud)))
    if g("card_fingerprint_nb_tx_1h") >= 3:
        out.append(Signal("CARD_VELOCITY", 20, f"{g('card_fingerprint_nb_tx_1h'):.0f} earlier orders with this card in the last hour"))
    if g("device_id_nb_tx_1d") >= 5 or g("ip_address_nb_tx_1d") >= 5:
        n = max(g("device_id_nb_tx_1d"), g("ip_address_nb_tx_1d"))
        out.append(Signal("DEVICE_IP_VELOCITY", 15, f"{n:.0f} earlier orders from this device or IP today"))
    if g("email_nb_tx_1h") >= 3:
        out.append(Signal("EMAIL_VELOCITY", 10, f"{g('email_nb_tx_1h'):.0f} earlier orders with this e-mail in the last hour"))
    for name, points in (("ip_billing_mismatch", 10), ("billing_shipping_mismatch", 10), ("card_billing_mismatch", 10)):
        if g(name):
            from .features import describe

            out.append(Signal(name.upper(), points, describe(name, 1.0)))
    for name, points in (("three_ds_failed", 25), ("cvc_mismatch", 20), ("avs_mismatch", 10)):
        if g(name):
            from .features import describe

            out.append(Signal(name.upper(), points * min(g(name), 1.0), describe(name, g(name))))
    if g("customer_nb_tx_30d") >= 2 and g("customer_amount_ratio_profile") >= 5:
        out.append(Signal("AMOUNT_SPIKE", 15, f"amount is {g('customer_amount_ratio_profile'):.1f}x this customer's usual"))
    if not g("is_guest") and g("account_age_days") < 1:
        out.append(Signal("NEW_ACCOUNT", 10, "account created less than a day before the order"))
    if g("is_guest"):
        out.append(Signal("GUEST_CHECKOUT", 5, "guest checkout"))
    if g("is_night"):
        out.append(Signal("NIGHT_ORDER", 5, "placed at night"))
    return out


def heuristic_score(features: Mapping[str, float]) -> tuple[float, list[Signal]]:
    signals = heuristic_signals(features)
    return min(100.0, sum(s.points for s in signals)), signals
