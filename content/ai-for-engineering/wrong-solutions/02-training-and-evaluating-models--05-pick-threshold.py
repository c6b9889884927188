# Plausible wrong solution: computes the number of positives to catch with math.ceil on a
# floating-point product and skips input validation. Passes the visible tests only.
import math


def pick_threshold(y_true, scores, min_recall):
    positive_scores = sorted((s for v, s in zip(y_true, scores) if v == 1), reverse=True)
    needed = math.ceil(min_recall * len(positive_scores))
    return positive_scores[needed - 1]
