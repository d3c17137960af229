"""Formatting of experiment results on admin screens."""
from django import template

from electroshop.mlops.formatting import format_number, format_percent

register = template.Library()


@register.filter
def pct(value) -> str:
    return format_percent(value, decimals=2)


@register.filter
def stat(value) -> str:
    return format_number(value)


@register.filter
def sample_size_text(sample_size: dict) -> str:
    """The results' sample-size estimate in a sentence."""
    needed = sample_size.get("subjects_per_variant")
    if not needed:
        return ""
    effect = sample_size.get("minimum_detectable_effect")
    return (f"About {format_number(needed)} subjects per variant are needed to detect a "
            f"{format_percent(effect, decimals=0)} lift.")
