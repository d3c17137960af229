"""Cached tables and configuration rows of the fraud app."""
