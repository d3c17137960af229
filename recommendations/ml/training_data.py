"""What the candidate generators are fitted on: the interaction matrix, the cleaned events with
their matrix positions, and the catalogue aligned with the matrix's items (with the text the
content generator reads)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .interactions import InteractionMatrix


@dataclass
class TrainingData:
    """What generators are fitted on.

    ``events``: cleaned events before ``as_of`` with integer ``user_idx`` / ``item_idx`` columns
    (positions in ``im``) and the original columns; ``None`` in a trained model loaded from its
    artifact, which keeps only summaries of them (``hybrid.EVENT_SUMMARIES``). ``products``: one row per item position
    (``len(products) == n_items``, same order as ``im.item_ids``) with optional ``text``,
    ``category`` and ``price`` columns; ``None`` when no catalogue was given.
    """

    im: InteractionMatrix
    events: pd.DataFrame | None
    as_of: pd.Timestamp
    products: pd.DataFrame | None = None
    extra: dict = field(default_factory=dict)

    @property
    def n_items(self) -> int:
        return self.im.matrix.shape[1]

    @property
    def n_users(self) -> int:
        return self.im.matrix.shape[0]


def prepare_training_data(im: InteractionMatrix, events: pd.DataFrame, products: pd.DataFrame | None = None) -> TrainingData:
    """Attach index columns to cleaned ``events`` and align ``products`` with ``im.item_ids``.

    ``products`` may carry ``product_id`` plus any of ``name``, ``description``, ``category``,
    ``brand``, ``price``; text fields are joined into a ``text`` column.
    """
    ev = events.copy()
    ev["user_idx"] = ev["customer_id"].map(im.user_index)
    ev["item_idx"] = ev["product_id"].map(im.item_index)
    ev = ev[ev["user_idx"].notna() & ev["item_idx"].notna()]
    ev = ev.assign(user_idx=ev["user_idx"].astype(np.int64), item_idx=ev["item_idx"].astype(np.int64))
    aligned = None
    if products is not None and len(products):
        p = products.drop_duplicates("product_id").set_index("product_id")
        aligned = p.reindex(pd.Index(im.item_ids, name="product_id")).reset_index()
        aligned["text"] = product_texts(aligned)
    return TrainingData(im=im, events=ev, as_of=im.as_of, products=aligned)


def _attribute_words(attributes) -> str:
    if not isinstance(attributes, dict):
        return ""
    return " ".join(f"{key} {value}" for key, value in attributes.items() if value not in (None, ""))


def product_texts(products: pd.DataFrame) -> pd.Series:
    """What the content generator reads of each product: name, description, category, brand and the
    attributes as "key value" words (whichever of those columns ``products`` has)."""
    parts = [products[c].fillna("").astype(str) for c in ("name", "description", "category", "brand")
             if c in products.columns]
    if "attributes" in products.columns:
        parts.append(products["attributes"].map(_attribute_words))
    if not parts:
        return pd.Series("", index=products.index)
    text = parts[0]
    for part in parts[1:]:
        text = text + " " + part
    return text
