"""Template filters of the admin screens: metric labels and number formats (see electroshop.mlops.formatting)."""
from django import template

from electroshop.mlops import formatting

register = template.Library()

register.filter("metric_label", formatting.metric_label)
register.filter("duration", formatting.format_duration)
register.filter("percent", formatting.format_percent)
register.filter("money", formatting.format_money)


@register.filter
def number(value, digits: int = 3) -> str:
    return formatting.format_number(value, digits=int(digits))
