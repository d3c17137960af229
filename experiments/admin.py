"""Admin screens of experiments, KPIs and canary rollouts (one module each)."""
from . import admin_experiments  # noqa: F401
