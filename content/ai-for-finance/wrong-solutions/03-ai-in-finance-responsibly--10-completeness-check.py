# Plausible wrong solution: a plain join on reference and amount. A single ledger line then
# "matches" both lines of a duplicate payment, references are not normalised, and floats are
# compared exactly. Passes the visible tests only.
import pandas as pd


def unmatched(bank, ledger):
    unmatched_bank = bank[~bank.set_index(["ref", "amount"]).index.isin(ledger.set_index(["ref", "amount"]).index)]
    unmatched_ledger = ledger[~ledger.set_index(["ref", "amount"]).index.isin(bank.set_index(["ref", "amount"]).index)]
    return unmatched_bank, unmatched_ledger
