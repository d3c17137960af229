"""Pure-Python fraud ML core (no Django): features, models, backtests, sign-ups, reviews."""
