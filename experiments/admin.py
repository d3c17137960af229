"""Admin screens of the experiments app: experiments, KPIs and canary rollouts (one module each)."""
from .admin_experiments import ExperimentAdmin
from .admin_kpis import DailyKpiAdmin
from .admin_rollouts import RolloutAdmin, RolloutPolicyAdmin

__all__ = ["DailyKpiAdmin", "ExperimentAdmin", "RolloutAdmin", "RolloutPolicyAdmin"]
