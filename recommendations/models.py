"""Cached tables and configuration rows of the recommendations app."""
