"""The predictive distribution of units: one family for forecast intervals and safety stock.

Demand in units is a count. Given a mean ``m`` and a variance ``v`` the distribution is a negative
binomial when ``v > m`` (over-dispersed, the usual case for retail demand) and a Poisson otherwise
(the least spread a count can honestly have). Its quantiles are whole units: a slow mover's upper
quantiles may be 0 or 1, and a product selling a unit a day has an 80% band of positive width.

Over a lead time of ``L`` days (itself uncertain: mean ``μ_L``, standard deviation ``σ_L``) the demand
has mean ``Σ m_d`` and variance ``Σ v_d + d̄² σ_L²`` (the standard random-lead-time formula, days
independent given the forecast), and the same family gives its quantile at the service level:
the reorder point.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

__all__ = ["demand_quantile", "demand_cdf", "lead_time_demand"]


def demand_quantile(mean, variance, q: float) -> np.ndarray:
    """The ``q`` quantile (whole units) of the count distribution with this mean and variance.

    mean, variance: arrays of the same shape (or scalars); mean <= 0 gives 0."""
    m = np.clip(np.asarray(mean, dtype=float), 0.0, None)
    v = np.maximum(np.asarray(variance, dtype=float), m)
    out = np.zeros(np.broadcast(m, v).shape)
    m, v = np.broadcast_to(m, out.shape), np.broadcast_to(v, out.shape)
    positive = m > 1e-12
    over = positive & (v > m * (1 + 1e-9))
    poisson = positive & ~over
    if poisson.any():
        out[poisson] = stats.poisson.ppf(q, m[poisson])
    if over.any():
        # scipy's nbinom(n, p): mean n(1-p)/p, variance n(1-p)/p²  =>  p = m / v, n = m² / (v - m)
        p = m[over] / v[over]
        n = m[over] ** 2 / (v[over] - m[over])
        out[over] = stats.nbinom.ppf(q, n, p)
    return np.nan_to_num(out, nan=0.0)


def demand_cdf(k, mean, variance) -> np.ndarray:
    """P(units <= k) under the same distribution as ``demand_quantile`` (k is floored to whole units;
    k < 0 gives 0). Used to calibrate the dispersion: y lies in [q(a), q(1 - a)] exactly when
    cdf(y) >= a and cdf(y - 1) < 1 - a."""
    k = np.floor(np.asarray(k, dtype=float))
    m = np.clip(np.asarray(mean, dtype=float), 0.0, None)
    v = np.maximum(np.asarray(variance, dtype=float), m)
    k, m, v = np.broadcast_arrays(k, m, v)
    out = np.where(k >= 0, 1.0, 0.0)
    positive = (m > 1e-12) & (k >= 0)
    over = positive & (v > m * (1 + 1e-9))
    poisson = positive & ~over
    # the special functions behind scipy.stats' cdfs, without their argument checks (calibration calls
    # this for every grid point): Poisson P(Y <= k) = Q(k + 1, m), negative binomial I_p(n, k + 1)
    if poisson.any():
        out[poisson] = special.gammaincc(k[poisson] + 1, m[poisson])
    if over.any():
        p = m[over] / v[over]
        out[over] = special.betainc(m[over] ** 2 / (v[over] - m[over]), k[over] + 1, p)
    return out


def lead_time_demand(mean, variance, *, lead_time_days: float, lead_time_std_days: float = 0.0,
                     ) -> tuple[float, float]:
    """(mean, variance) of the demand over an uncertain lead time, from daily means and variances.

    Beyond the forecast the last day is repeated (keeps the arithmetic defined for lead times
    longer than the horizon); a fractional lead time counts the last day in part."""
    mean = np.clip(np.asarray(mean, dtype=float), 0.0, None)
    variance = np.clip(np.asarray(variance, dtype=float), 0.0, None)
    if lead_time_days <= 0 or mean.size == 0:
        return 0.0, 0.0
    whole = int(math.ceil(lead_time_days))
    if whole > mean.size:
        mean = np.concatenate([mean, np.repeat(mean[-1], whole - mean.size)])
        variance = np.concatenate([variance, np.repeat(variance[-1], whole - variance.size)])
    share = np.ones(whole)
    share[-1] = lead_time_days - (whole - 1)
    m = float(np.sum(mean[:whole] * share))
    v = float(np.sum(variance[:whole] * share))
    daily = m / lead_time_days
    return m, v + (daily * lead_time_std_days) ** 2
