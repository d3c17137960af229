"""Small synthetic transaction logs for the fraud ML tests."""
import numpy as np
import pandas as pd


def synthetic_transactions(n: int = 400, days: int = 60, n_customers: int = 8,
                           n_terminals: int = 5, fraud_rate: float = 0.08,
                           seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    secs = np.sort(rng.integers(0, days * 86_400, n))
    secs[10] = secs[11]  # a timestamp tie, to pin the ordering rule
    cust = rng.integers(0, n_customers, n)
    cust[11] = cust[10]
    return pd.DataFrame({
        "TRANSACTION_ID": np.arange(n),
        "TX_DATETIME": start + pd.to_timedelta(secs, unit="s"),
        "CUSTOMER_ID": cust,
        "TERMINAL_ID": rng.integers(0, n_terminals, n),
        "TX_AMOUNT": np.round(rng.gamma(2.0, 30.0, n), 2),
        "TX_FRAUD": (rng.random(n) < fraud_rate).astype(int),
    })
