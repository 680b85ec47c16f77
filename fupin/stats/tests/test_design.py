"""Design validation: bad designs are refused at construction with a message naming the problem."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import numpy as np
import pytest

from fupin.stats import DesignError, mean, svydesign


def test_weights_and_probs_are_exclusive_and_positive():
    with pytest.raises(DesignError, match="not both"):
        svydesign(weights=[1, 2], probs=[0.5, 0.5])
    with pytest.raises(DesignError, match="row 2 has 0"):
        svydesign(weights=[1.0, 0.0, 2.0])
    with pytest.raises(DesignError, match="finite"):
        svydesign(probs=[0.5, np.nan])


def test_psus_must_nest_in_strata_unless_nest():
    ids, strata = [1, 2, 1, 2], ["a", "a", "b", "b"]
    with pytest.raises(DesignError, match="nest=True"):
        svydesign(ids=ids, strata=strata)
    design = svydesign(ids=ids, strata=strata, nest=True)
    assert design.n_psu == 4 and design.df == 2


def test_fpc_checks():
    with pytest.raises(DesignError, match="smaller than the sample"):
        svydesign(ids=[1, 2, 3], fpc=[2, 2, 2])
    with pytest.raises(DesignError, match="mixes population sizes"):
        svydesign(ids=[1, 2, 3], strata=[1, 1, 2], fpc=[10, 10, 0.5])
    with pytest.raises(DesignError, match="varies within stratum"):
        svydesign(ids=[1, 2, 3], fpc=[10, 11, 10])


def test_one_psu_and_missing_ids_are_refused():
    with pytest.raises(DesignError, match="only one primary sampling unit"):
        svydesign(ids=[1, 1, 1])
    with pytest.raises(DesignError, match="missing"):
        svydesign(ids=["a", "", "b"])


def test_fpc_for_first_stage_only_means_complete_second_stage():
    ids = ([1, 1, 2, 2, 3, 3], [1, 2, 1, 2, 1, 2])
    y = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0]
    w = np.full(6, 4.0)
    one = mean(svydesign(ids=ids, fpc=[10] * 6, weights=w), y)
    ultimate = mean(svydesign(ids=ids[0], fpc=[10] * 6, weights=w), y)
    assert one.se == pytest.approx(ultimate.se)
    both = mean(svydesign(ids=ids, fpc=([10] * 6, [4] * 6), weights=w), y)
    assert both.se > one.se  # the second-stage term is added


def test_design_is_read_only():
    design = svydesign(weights=[1.0, 2.0])
    with pytest.raises(ValueError):
        design.weights[0] = 5.0
    assert "2 rows" in design.describe()
