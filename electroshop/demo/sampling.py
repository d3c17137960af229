"""Vectorised random helpers shared by the demo generator's modules."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from electroshop.demo import catalog as cat


def pick(rng: np.random.Generator, options: tuple | list | np.ndarray, size: int, p: Iterable[float] | None = None):
    idx = rng.choice(len(options), size=size, p=None if p is None else norm(np.asarray(p, float)))
    return np.asarray(options, dtype=object)[idx]


def norm(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def random_ips(rng: np.random.Generator, countries: np.ndarray) -> list[str]:
    n = len(countries)
    first = np.empty(n, dtype=np.int64)
    for code in np.unique(countries):
        mask = countries == code
        octs = cat.IP_FIRST_OCTETS.get(code, (100,))
        first[mask] = np.asarray(octs)[rng.integers(0, len(octs), mask.sum())]
    rest = rng.integers(1, 255, size=(n, 3))
    return [f"{a}.{b}.{c}.{d}" for a, (b, c, d) in zip(first.tolist(), rest.tolist())]


def hex_ids(rng: np.random.Generator, n: int, prefix: str) -> list[str]:
    vals = rng.integers(0, 2**62, size=n, dtype=np.int64)
    return [f"{prefix}{v:016x}" for v in vals.tolist()]


def sample_weighted_groups(rng: np.random.Generator, keys: np.ndarray,
                            groups: dict[int, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """For each key pick an item of its group, with the group's cumulative weights (vectorised per group)."""
    out = np.full(len(keys), -1, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    uniq, starts = np.unique(sorted_keys, return_index=True)
    ends = np.append(starts[1:], len(keys))
    u = rng.random(len(keys))
    for k, s, e in zip(uniq.tolist(), starts.tolist(), ends.tolist()):
        items, cum = groups[k]
        pos = order[s:e]
        out[pos] = items[np.searchsorted(cum, u[pos] * cum[-1], side="right").clip(0, len(items) - 1)]
    return out
