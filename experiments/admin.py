"""Merchant screens of the experiments app."""
from .admin_kpis import DailyKpiAdmin

__all__ = ["DailyKpiAdmin"]
