"""Significance tests behind the direction of travel.

A change is "significant" at 95% when the two-sided p-value is below 0.05. Counts, rates and ratios
use the exact conditional test for two Poisson rates (Przyborowski and Wilenski): given the total
x1 + x2, x1 is binomial with p = e1 / (e1 + e2) under equal rates, where e is the exposure
(population, households or cohort; 1 for a plain count over equal windows). The two-sided p-value
doubles the smaller tail. Percentages use the pooled two-proportion z-test.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

ALPHA = 0.05


def poisson_rate_test(x1, e1, x2, e2) -> np.ndarray:
    """Two-sided p-value that events x1 over exposure e1 and x2 over e2 come from one rate."""
    x1, e1, x2, e2 = (np.asarray(v, dtype=float) for v in (x1, e1, x2, e2))
    n = x1 + x2
    with np.errstate(invalid="ignore", divide="ignore"):
        p0 = e1 / (e1 + e2)
        lower = stats.binom.cdf(x1, n, p0)
        upper = stats.binom.sf(x1 - 1, n, p0)
        p_value = np.minimum(1.0, 2.0 * np.minimum(lower, upper))
    return np.where((n > 0) & np.isfinite(p0), p_value, 1.0)


def two_proportion_test(x1, n1, x2, n2) -> np.ndarray:
    """Two-sided p-value of the pooled z-test that x1/n1 and x2/n2 are one proportion."""
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
        p_value = 2 * stats.norm.sf(np.abs(z))
    return np.where(np.isfinite(p_value), p_value, 1.0)
