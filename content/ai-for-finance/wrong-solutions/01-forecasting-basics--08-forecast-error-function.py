# Plausible wrong solution: the textbook formulas without any care for zeros, gaps or signs.
# Passes the visible test; the hidden tests catch the division by zero and the NaN handling.
import numpy as np


def forecast_errors(actual, forecast):
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    abs_err = np.abs(a - f)
    return {
        "n": int(len(a)),
        "mae": float(abs_err.mean()),
        "mape": float(np.mean(abs_err / a) * 100),
        "mape_n": int(len(a)),
        "wape": float(abs_err.sum() / a.sum() * 100),
    }
