"""What fits what: for every device, the accessories of each leaf in ``catalog.ACCESSORIES_FOR`` that
fit it: cases and screen protectors made for its model, cables for its connector, USB-C chargers
with enough (but not far too many) watts, games for its console's platform, a soundbar for a TV."""
from __future__ import annotations

import numpy as np

from electroshop.demo import catalog as cat


def _device_key(acc_path: str, brand: str, attrs: dict) -> str | int | None:
    """What a device needs from an accessory leaf (None: nothing of that leaf fits it)."""
    if acc_path in ("Accessories/Cases", "Accessories/Screen Protectors"):
        return f"{brand} {attrs['model']}"
    if acc_path == "Accessories/Cables":
        return attrs.get("connector")
    if acc_path == "Accessories/Chargers":
        return attrs.get("charging_watts") or None
    if acc_path == "Gaming/Games":
        return attrs.get("platform")
    if acc_path == "Audio/Speakers":
        return "HDMI" if attrs.get("connector") == "HDMI" else None  # a soundbar for a TV
    return ""  # any product of the leaf goes (headphones with a phone)


def _fits(acc_path: str, key: str | int, attrs: dict) -> bool:
    if acc_path in ("Accessories/Cases", "Accessories/Screen Protectors"):
        return attrs["fits"] == key
    if acc_path in ("Accessories/Cables", "Audio/Speakers"):
        return attrs.get("connector") == key
    if acc_path == "Accessories/Chargers":  # enough watts, but not a laptop brick for a watch
        return key <= attrs["watts"] <= max(1.25 * key, 45)
    if acc_path == "Gaming/Games":
        return attrs["platform"] == key
    return True


def fitting_groups(*, attributes: list[dict], leaf: np.ndarray, brand: list[str], popularity: np.ndarray,
                   ) -> tuple[np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """For every device and accessory leaf of ``catalog.ACCESSORIES_FOR``: the accessories that fit it."""
    fit_group = np.full((len(leaf), len(cat.LEAVES)), -1, dtype=np.int64)
    groups: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    by_key: dict[tuple[int, str | int], int] = {}
    for dev_path, accessories in cat.ACCESSORIES_FOR.items():
        devices = np.flatnonzero(leaf == cat.LEAF_INDEX[dev_path]).tolist()
        for acc_path, _p in accessories:
            ali = cat.LEAF_INDEX[acc_path]
            candidates = np.flatnonzero(leaf == ali)
            for d in devices:
                key = _device_key(acc_path, brand[d], attributes[d])
                if key is None:
                    continue
                if (ali, key) not in by_key:
                    items = np.array([j for j in candidates.tolist() if _fits(acc_path, key, attributes[j])],
                                     dtype=np.int64)
                    by_key[(ali, key)] = len(groups) if len(items) else -1
                    if len(items):
                        groups[len(groups)] = (items, np.cumsum(popularity[items]))
                fit_group[d, ali] = by_key[(ali, key)]
    return fit_group, groups
