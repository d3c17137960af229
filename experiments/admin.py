"""The experiments admin: each concern registers its screens in its own module."""
from . import admin_rollouts

__all__ = ["admin_rollouts"]
