# Plausible wrong solution: trusts json.loads directly (no fence handling), accepts booleans
# as integers, and returns the whole parsed dict. Passes the visible tests only.
import json

CATEGORIES = {"billing", "bug", "account", "other"}


def parse_triage(raw):
    data = json.loads(raw)
    if data.get("category") not in CATEGORIES:
        raise ValueError("unknown category")
    if not isinstance(data.get("priority"), int) or not 1 <= data["priority"] <= 4:
        raise ValueError("bad priority")
    if not isinstance(data.get("summary"), str):
        raise ValueError("bad summary")
    return data
