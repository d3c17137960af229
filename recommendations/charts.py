"""The recommendation model's charts, drawn by its admin screen and (small) by the admin overview."""
from django.utils.safestring import SafeString

from electroshop.mlops.charts import PALETTE, BarData, bar_chart
from electroshop.mlops.formatting import metric_label
from electroshop.mlops.models import ModelVersion

FULL_SIZE = (760, 220)


def methods_chart(version: ModelVersion | None, *, size: tuple[int, int] = FULL_SIZE, title: str = "") -> SafeString:
    """NDCG@10 of the hybrid next to each single generator on the version's held-out window."""
    evaluation = (version.metrics.get("evaluation") or {}) if version is not None else {}
    methods = ["hybrid"] + sorted(m for m in evaluation if m != "hybrid")
    methods = [m for m in methods if (evaluation.get(m) or {}).get("ndcg@10") is not None]
    title = title or (f"NDCG@10 on the held-out window, v{version.version if version else '-'}: "
                      "hybrid and single generators")
    return bar_chart(BarData(
        title=title, labels=[metric_label(m) for m in methods], values=[evaluation[m]["ndcg@10"] for m in methods],
        colors=[PALETTE[0] if m == "hybrid" else PALETTE[6] for m in methods]), width=size[0], height=size[1])
