"""Which list a subject is served on a placement: the canary rollout's version and the running experiment's
variant (``experiments.selectors``), decided from the cached experiment set without a query.

A canary rollout picks the version a subject's lists read (the candidate for its share of subjects, the
active version for the rest) on every placement but ``session``: an anonymous session's lists are
blended live from the active model's co-visitation neighbours (``live.py``), so a candidate has no
session list of its own and would serve trending there. A customer on the candidate reads the
candidate's trained list (live re-blending after an event is for the active version only). An
experiment on the placement then picks the variant's strategy:
``active`` (that version), ``version`` (a given version; the active one if that version no longer
exists), ``trending``, ``popular`` or ``none`` (a holdout: no list), and optionally the list length.
The list's recommendation id names the experiment that decided it: the placement's experiment when
one runs, else the canary, so a placement with an experiment does not count for a canary running at
the same time.
"""
from dataclasses import dataclass

from electroshop.cache import CacheBatch
from experiments.bucketing import subject_key
from experiments.readstats import note_serving_version
from experiments.selectors import Assignment, assignment, canary_assignment

SESSION = "session"


@dataclass(frozen=True)
class Plan:
    version_id: int | None  # the model version the lists read; None: no model
    experiment: Assignment | None
    strategy: str  # active | version | trending | popular | none
    limit: int


def serving_plan(*, placement: str, version_id: int | None, limit: int, customer_id: int | None = None,
                 session_id: str = "", prefetched: CacheBatch | None = None) -> Plan:
    """The plan of one read; the version it chose is noted for the read statistics (a read that fails
    after this counts against that version: the canary's error guardrail)."""
    plan = _plan(placement=placement, version_id=version_id, limit=limit, customer_id=customer_id,
                 session_id=session_id, prefetched=prefetched)
    note_serving_version(plan.version_id)
    return plan


def _plan(*, placement: str, version_id: int | None, limit: int, customer_id: int | None, session_id: str,
          prefetched: CacheBatch | None) -> Plan:
    subject = subject_key(customer_id=customer_id, session_id=session_id)
    if subject is None:
        return Plan(version_id=version_id, experiment=None, strategy="active", limit=limit)
    # session lists are the active model's only: the canary does not apply there (see above)
    canary = canary_assignment(subject=subject, prefetched=prefetched) if placement != SESSION else None
    if canary is not None and canary.version_id is not None and version_id is not None:
        version_id = canary.version_id
    chosen = assignment(placement=placement, subject=subject, prefetched=prefetched)
    if chosen is None:
        return Plan(version_id=version_id, experiment=canary, strategy="active", limit=limit)
    if chosen.strategy == "version" and chosen.version_id is not None:
        version_id = chosen.version_id
    return Plan(version_id=version_id, experiment=chosen, strategy=chosen.strategy,
                limit=chosen.list_length or limit)
