"""The fraud model's charts, drawn by its admin screen and (small) by the admin overview."""
from django.utils.safestring import SafeString

from electroshop.mlops.charts import PALETTE, BarData, Marker, bar_chart

from . import selectors

DISTRIBUTION_DAYS = 30
BIN_WIDTH = 5
FULL_SIZE = (760, 220)


def score_chart(*, days: int = DISTRIBUTION_DAYS, size: tuple[int, int] = FULL_SIZE) -> SafeString:
    """How the orders of the last ``days`` scored, coloured by level, with the review and block thresholds."""
    counts = selectors.score_distribution(days=days, bin_width=BIN_WIDTH)
    limits = selectors.active_thresholds()
    return bar_chart(BarData(
        title=f"Order risk scores, last {days} days ({sum(counts):,} orders)",
        labels=[f"{i * BIN_WIDTH}" for i in range(len(counts))], values=counts,
        colors=[PALETTE[2] if (i + 1) * BIN_WIDTH <= limits.review else
                PALETTE[4] if (i + 1) * BIN_WIDTH <= limits.block else PALETTE[1] for i in range(len(counts))],
        markers=[Marker(f"review {limits.review:.3g}", limits.review / BIN_WIDTH, color="#b45309"),
                 Marker(f"block {limits.block:.3g}", limits.block / BIN_WIDTH)]),
        width=size[0], height=size[1])
