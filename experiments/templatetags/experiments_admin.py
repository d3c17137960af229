"""Formatting of experiment results on admin screens."""
from django import template
from django.utils.dateparse import parse_datetime

from electroshop.mlops.formatting import format_number, format_percent

register = template.Library()


@register.filter
def pct(value) -> str:
    return format_percent(None if value == "" else value, decimals=2)  # "": a figure the results lack


@register.filter
def stat(value) -> str:
    return format_number(None if value == "" else value)


@register.filter
def when(value: str) -> str:
    """An ISO date-time from stored results, as the admin writes times (UTC)."""
    moment = parse_datetime(value or "")
    return f"{moment:%d %b %Y %H:%M} UTC" if moment else ""


@register.filter
def sample_size_text(sample_size: dict) -> str:
    """The results' sample-size estimate in a sentence."""
    per_variant = sample_size.get("variants") or {}
    parts = [f"{name} {format_number(v['reached'])} of {format_number(v['needed'])}"
             for name, v in per_variant.items() if v.get("needed")]
    if not parts:
        return ""
    effect = sample_size.get("minimum_detectable_effect")
    return (f"Subjects reached of those needed to detect a {format_percent(effect, decimals=0)} lift in "
            f"{sample_size.get('metric')}: " + ", ".join(parts) + ".")
