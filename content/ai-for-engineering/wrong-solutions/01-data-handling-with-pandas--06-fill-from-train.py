# Plausible wrong solution: fills each frame with its OWN median (the test set's statistics
# leak into its preprocessing). Passes the visible tests, fails the hidden ones.
import pandas as pd


def fill_with_train_medians(train, test, columns):
    train_out = train.copy()
    test_out = test.copy()
    for col in columns:
        train_out[col] = train_out[col].fillna(train_out[col].median())
        test_out[col] = test_out[col].fillna(test_out[col].median())
    return train_out, test_out
