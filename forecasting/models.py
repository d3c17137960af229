"""Cached tables and configuration rows of the forecasting app."""
