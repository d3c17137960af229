"""System checks of the rollout settings (registered by the app): a policy that cannot work fails at start-up,
not mid-rollout."""
from django.core.checks import Error

from .policy import settings_problems


def check_rollout_settings(app_configs=None, **kwargs) -> list[Error]:
    """``experiments.E001``: ROLLOUT_POLICY names an unknown app or policy, or a canary for an app that
    cannot canary (forecasting, fraud: see experiments/policy.py). ``experiments.E002``: another
    ROLLOUT_* or READ_STATS_* setting out of range."""
    return [Error(f"ELECTROSHOP[{setting!r}]: {problem}",
                  id="experiments.E001" if setting == "ROLLOUT_POLICY" else "experiments.E002")
            for setting, problem in settings_problems()]
