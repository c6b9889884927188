# Plausible wrong solution: one pair of fences over all expenses (no per-category quartiles,
# no minimum group size). Passes the visible single-category test only.
import pandas as pd


def iqr_flags(df, k=1.5, min_group=4):
    amounts = df["amount"].astype(float)
    q1, q3 = amounts.quantile(0.25), amounts.quantile(0.75)
    iqr = q3 - q1
    return ((amounts < q1 - k * iqr) | (amounts > q3 + k * iqr)).rename("flag")
