"""Deterministic, sticky bucketing and the recommendation id that carries a list's identity.

A subject's variant is a pure function of the experiment's salt, the subject and the variants'
serving weights: the same subject gets the same variant in every process and after restarts, with
no stored assignment. ``position_in_unit`` maps (salt, subject) to a number in [0, 1) by a keyed
BLAKE2b hash; the variants split [0, 1) in order of position by their serving weights. A canary's
two variants split it at 1 - share (control below, the candidate above), so raising the
candidate's share only moves subjects from control to the candidate, never back.
"""
import hashlib
from dataclasses import dataclass

_SCALE = float(2 ** 64)


def subject_key(*, customer_id: int | None, session_id: str = "") -> str | None:
    """The subject an experiment buckets: the customer, else the visitor's browser session."""
    if customer_id is not None:
        return f"customer:{customer_id}"
    return f"session:{session_id}" if session_id else None


def position_in_unit(salt: str, subject: str) -> float:
    digest = hashlib.blake2b(subject.encode(), key=salt.encode()[:64], digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def pick(weights: list[float], u: float) -> int:
    """The index whose share of [0, 1) holds ``u``, the shares being ``weights`` normalised (in order).
    All weights 0: the first (the control)."""
    total = float(sum(w for w in weights if w > 0))
    if total <= 0:
        return 0
    edge = 0.0
    for index, weight in enumerate(weights):
        if weight <= 0:
            continue
        edge += weight / total
        if u < edge:
            return index
    return max(i for i, w in enumerate(weights) if w > 0)  # u within rounding of 1.0


# --- the recommendation id ---------------------------------------------------------------------------
# ``<model version>-<strategy>-<placement>-<experiment id>-<variant position>-<random>.<item position>``:
# everything a served list is, with no write on the read path. 0 stands for "no model" / "no experiment".
# Earlier ids (``<version>-<list kind>-<random>.<position>``) parse with the list kind as placement.


@dataclass(frozen=True)
class ListTag:
    list_id: str
    model_version: int
    strategy: str
    placement: str
    experiment_id: int
    variant_position: int
    position: int


def new_list_id(*, model_version: int | None, strategy: str, placement: str, experiment_id: int | None = None,
                variant_position: int | None = None, random_part: str) -> str:
    return (f"{model_version or 0}-{strategy}-{placement}-{experiment_id or 0}-"
            f"{variant_position if experiment_id else 0}-{random_part}")


def parse_recommendation_id(recommendation_id: str) -> ListTag | None:
    """The list a ``recommendation_id`` names, or None when it is not one this product served."""
    list_id, dot, position = (recommendation_id or "").rpartition(".")
    if not dot or not position.isdigit():
        return None
    parts = list_id.split("-")
    try:
        if len(parts) == 6 and parts[5]:
            return ListTag(list_id=list_id, model_version=int(parts[0]), strategy=parts[1], placement=parts[2],
                           experiment_id=int(parts[3]), variant_position=int(parts[4]), position=int(position))
        if len(parts) == 3 and parts[2]:
            return ListTag(list_id=list_id, model_version=0, strategy=parts[1], placement=parts[1],
                           experiment_id=0, variant_position=0, position=int(position))
    except ValueError:
        return None
    return None
