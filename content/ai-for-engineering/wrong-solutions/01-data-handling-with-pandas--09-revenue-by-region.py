# Plausible wrong solution: sorts the result but keeps the plain inner join, so duplicate
# customer rows double-count orders and orders without a customer disappear.
import pandas as pd


def revenue_by_region(orders, customers):
    merged = orders.merge(customers, on="customer_id")
    return merged.groupby("region")["amount"].sum().sort_index()
