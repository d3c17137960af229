"""System checks of the forecasting settings: a bad setting fails at start-up, not mid-retrain."""
from django.core.checks import Error, register

from electroshop.conf import electroshop_settings


@register()
def check_forecast_country(app_configs=None, **kwargs) -> list[Error]:
    """FORECAST_COUNTRY is "" (no holidays) or a country the ``holidays`` package knows."""
    country = electroshop_settings.FORECAST_COUNTRY
    if not country:
        return []
    import holidays

    if country in holidays.list_supported_countries():
        return []
    return [Error(f"FORECAST_COUNTRY {country!r} is not a country the holidays package knows",
                  hint='an ISO 3166-1 alpha-2 code such as "GB" or "DE", or "" for no public holidays',
                  id="forecasting.E001")]
