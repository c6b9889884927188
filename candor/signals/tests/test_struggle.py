"""Struggle indicators from grader outcomes: attempts to pass and Becker's RED."""

from __future__ import annotations

import pytest

from candor.signals.struggle import Outcome, attempts_to_pass, indicators, repeated_error_density


@pytest.mark.parametrize(
    ("errors", "red"),
    [
        ([], 0.0),
        (["A"], 0.0),
        (["A", "B", "C"], 0.0),  # errors that never repeat are not repeated errors
        (["A", "A"], 0.5),  # one repeat: 1² / 2
        (["A", "A", "A"], 4 / 3),  # two repeats: 2² / 3
        (["A", "A", "B", "B"], 1.0),  # two strings of one repeat each
        (["A", "", "A"], 0.0),  # a clean run in between breaks the string
        (["A", "A", "A", "A"], 9 / 4),
    ],
)
def test_repeated_error_density_matches_beckers_definition(errors: list[str], red: float) -> None:
    assert repeated_error_density(errors) == pytest.approx(red, abs=1e-3)


def test_red_grows_faster_for_longer_strings_than_for_more_strings() -> None:
    # Becker's point: one long string of the same error is worse than several short ones.
    assert repeated_error_density(["A"] * 5) > repeated_error_density(["A", "A", "B", "B", "C"])


def _o(n: int, counted: bool = True, correct: bool | None = False, sig: str = "") -> Outcome:
    return Outcome(n, counted=counted, graded=True, correct=correct, error_signature=sig)


def test_attempts_to_pass_counts_submissions_not_runs() -> None:
    history = [_o(1, counted=False), _o(2), _o(3, counted=False), _o(4, correct=True), _o(5)]
    assert attempts_to_pass(history) == 2
    assert attempts_to_pass(history[:3]) is None


def test_indicators_only_look_at_attempts_up_to_the_summarys_own() -> None:
    history = [_o(1, sig="E"), _o(2, sig="E"), _o(3, correct=True)]
    early = indicators(history, 2, code=True)
    assert early["attempts_to_pass"] is None and early["submissions_so_far"] == 2
    assert early["repeated_error_density"] == 0.5
    late = indicators(history, 3, code=True)
    assert late["attempts_to_pass"] == 3 and late["attempt_correct"] is True
    assert "repeated_error_density" not in indicators(history, 3, code=False)
