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


# Confidence intervals, as OHID Fingertips and PHEindicatormethods compute them.
# why: z to six figures, as PHEindicatormethods uses (qnorm(0.975), qnorm(0.999))
Z_SCORES = {95: 1.959964, 99.8: 3.090232}
CONFIDENCE_LEVELS = (95, 99.8)
# why: PHEindicatormethods switches from the exact Poisson limits to Byars' approximation at 10 events
BYARS_FROM = 10
INTERVAL_METHODS = {
    "count": "Poisson: exact below 10 events, Byars' approximation from 10",
    "rate": "Poisson limits of the count (exact below 10 events, Byars from 10) over the denominator, times the multiplier",
    "percentage": "Wilson score interval",
    "ratio": "Poisson limits of the events (exact below 10, Byars from 10) over the cohort: a crude rate per person",
}


def _alpha(confidence: float) -> float:
    return 1 - confidence / 100


def poisson_limits(events, confidence: float = 95) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits of a Poisson count: exact (chi-squared) below 10 events, Byars' approximation from 10.

    Exact: lower = chi2.ppf(a/2, 2x) / 2 (0 for no events), upper = chi2.ppf(1 - a/2, 2x + 2) / 2.
    Byars: lower = x (1 - 1/(9x) - z/(3 sqrt x))^3, upper = (x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3.
    A missing count gives missing limits.
    """
    x = np.asarray(events, dtype=float)
    alpha, z = _alpha(confidence), Z_SCORES[confidence]
    with np.errstate(invalid="ignore", divide="ignore"):
        exact_lower = np.where(x > 0, stats.chi2.ppf(alpha / 2, 2 * x) / 2, 0.0)
        exact_upper = stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
        byars_lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        byars_upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
    large = x >= BYARS_FROM
    lower = np.where(large, byars_lower, exact_lower)
    upper = np.where(large, byars_upper, exact_upper)
    missing = ~np.isfinite(x) | (x < 0)
    return np.where(missing, np.nan, lower), np.where(missing, np.nan, upper)


def wilson_limits(successes, trials, confidence: float = 95) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper Wilson score limits of the proportion successes / trials (as proportions, 0-1).

    (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n); missing when there are no trials.
    """
    x, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    z = Z_SCORES[confidence]
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        centre = p + z**2 / (2 * n)
        spread = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        scale = 1 + z**2 / n
        lower, upper = (centre - spread) / scale, (centre + spread) / scale
    usable = np.isfinite(p) & (n > 0)
    # why: rounding can leave the limit a hair outside 0-1 when p is 0 or 1
    return np.where(usable, np.clip(lower, 0, 1), np.nan), np.where(usable, np.clip(upper, 0, 1), np.nan)


def value_limits(unit, numerator, denominator, multiplier, confidence: float = 95) -> tuple[np.ndarray, np.ndarray]:
    """Limits of each figure in its own unit (arrays of equal length; see ``INTERVAL_METHODS``).

    A count's limits are the count's; a rate's and a ratio's are the count's limits over the denominator
    times the multiplier; a percentage's are Wilson's times the multiplier (100).
    """
    unit = np.asarray(unit, dtype=object)
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    k = np.asarray(multiplier, dtype=float)
    count_lower, count_upper = poisson_limits(x, confidence)
    wilson_lower, wilson_upper = wilson_limits(x, n, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        per = np.where(n > 0, k / n, np.nan)
    is_count, is_percentage = unit == "count", unit == "percentage"
    lower = np.where(is_count, count_lower, np.where(is_percentage, wilson_lower * k, count_lower * per))
    upper = np.where(is_count, count_upper, np.where(is_percentage, wilson_upper * k, count_upper * per))
    return lower, upper


# The recent trend, as Fingertips tests it: the chi-squared test for linear trend over the last five points.
TREND_POINTS = 5
TREND_CONFIDENCE = 99.8
TREND_CRITICAL = float(stats.chi2.ppf(TREND_CONFIDENCE / 100, 1))


def linear_trend(values, weights) -> tuple[np.ndarray, np.ndarray]:
    """Slope per period and chi-squared statistic (1 degree of freedom) of a weighted linear trend in time,
    for each row of ``values`` and ``weights`` (2-D: one series per row, its points equally spaced, t = 1, 2, ...).

    slope = sum w (t - t_w)(y - y_w) / sum w (t - t_w)^2 and chi-squared = slope^2 x sum w (t - t_w)^2, where t_w
    and y_w are the weighted means.
    """
    y, w = np.atleast_2d(np.asarray(values, dtype=float)), np.atleast_2d(np.asarray(weights, dtype=float))
    t = np.arange(1, y.shape[1] + 1, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_mean = (w * t).sum(axis=1, keepdims=True) / w.sum(axis=1, keepdims=True)
        y_mean = (w * y).sum(axis=1, keepdims=True) / w.sum(axis=1, keepdims=True)
        spread = (w * (t - t_mean) ** 2).sum(axis=1)
        slope = (w * (t - t_mean) * (y - y_mean)).sum(axis=1) / spread
    return slope, slope**2 * spread


def recent_trends(unit, numerators, denominators, multiplier) -> tuple[np.ndarray, np.ndarray]:
    """Fingertips' recent trend of each row of points (2-D, oldest first): ("increasing" | "decreasing" |
    "no_change") and the chi-squared statistic; ``unit`` and ``multiplier`` are one per row.

    Percentages: the chi-squared test for trend in proportions (weights n / (p(1 - p)) with p the pooled
    proportion). Counts, rates and ratios: weights 1 / variance, the variance from each point's 95% interval
    (standard error = (upper - lower) / (2 x 1.96)). Significant at 99.8% (chi-squared above 9.55).
    """
    x = np.atleast_2d(np.asarray(numerators, dtype=float))
    n = np.atleast_2d(np.asarray(denominators, dtype=float))
    units = np.repeat(np.asarray(unit, dtype=object).reshape(-1, 1), x.shape[1], axis=1)
    k = np.repeat(np.asarray(multiplier, dtype=float).reshape(-1, 1), x.shape[1], axis=1)
    is_percentage = units[:, 0] == "percentage"
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (x.sum(axis=1) / n.sum(axis=1)).reshape(-1, 1)
        proportion_weights = n / (pooled * (1 - pooled))
        lower, upper = value_limits(units.ravel(), x.ravel(), n.ravel(), k.ravel(), 95)
        interval_weights = 1 / (((upper - lower) / (2 * Z_SCORES[95])) ** 2).reshape(x.shape)
        values = np.where(units == "count", x, x / n * k)
    values = np.where(is_percentage.reshape(-1, 1), x / np.where(n > 0, n, np.nan), values)
    weights = np.where(is_percentage.reshape(-1, 1), proportion_weights, interval_weights)
    slope, chi2 = linear_trend(values, weights)
    significant = np.isfinite(chi2) & (chi2 > TREND_CRITICAL)
    words = np.where(significant, np.where(slope > 0, "increasing", "decreasing"), "no_change")
    return words, np.where(np.isfinite(chi2), chi2, 0.0)
