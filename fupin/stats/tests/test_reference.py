"""Estimates against the numbers R's survey package prints for its own example data sets."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import numpy as np
import pytest

from fupin.stats import LonelyPSUError, by, mean, proportion, ratio, svydesign, total
from fupin.stats.tests.datasets import assert_prints, num, text


def dstrat():
    """svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)"""
    return svydesign(
        strata=text("apistrat.csv", "stype"),
        weights=num("apistrat.csv", "pw"),
        fpc=num("apistrat.csv", "fpc"),
    )


def dclus1():
    """svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)"""
    return svydesign(
        ids=num("apiclus1.csv", "dnum"),
        weights=num("apiclus1.csv", "pw"),
        fpc=num("apiclus1.csv", "fpc"),
    )


def dclus2():
    """svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)"""
    f = "apiclus2.csv"
    return svydesign(ids=(num(f, "dnum"), num(f, "snum")), fpc=(num(f, "fpc1"), num(f, "fpc2")))


def dclus2wr():
    """svydesign(id=~dnum+snum, weights=~pw, data=apiclus2)"""
    f = "apiclus2.csv"
    return svydesign(ids=(num(f, "dnum"), num(f, "snum")), weights=num(f, "pw"))


# ---- the four values of issue #3 ------------------------------------------------------------


def test_stratified_mean_matches_r():
    est = mean(dstrat(), num("apistrat.csv", "api00"))
    assert_prints(est.value, "662.29")
    assert_prints(est.se, "9.4089")
    assert est.df == 200 - 3


def test_one_stage_cluster_mean_matches_r():
    est = mean(dclus1(), num("apiclus1.csv", "api00"))
    assert_prints(est.value, "644.17")
    assert_prints(est.se, "23.542")
    assert est.df == 15 - 1


def test_two_stage_mean_with_fpc_at_both_stages_matches_r():
    design = dclus2()
    est = mean(design, num("apiclus2.csv", "api00"))
    assert_prints(est.value, "670.81")
    assert_prints(est.se, "30.099")
    assert design.weights_from == "fpc"
    assert design.n_psu == 40 and design.stages[1].n_units == 126  # "With (40, 126) clusters."


def test_two_stage_mean_with_replacement_matches_r():
    est = mean(dclus2wr(), num("apiclus2.csv", "api00"))
    assert_prints(est.value, "670.81")
    assert_prints(est.se, "30.712")


# ---- totals (tests/api.Rout.save) -----------------------------------------------------------


def test_totals_with_missing_values_match_r():
    est = total(dstrat(), num("apistrat.csv", "enroll"), na_rm=True)
    assert_prints(est.value, "3687178")
    assert_prints(est.se, "114642")
    est = total(dclus1(), num("apiclus1.csv", "enroll"), na_rm=True)
    assert_prints(est.value, "3404940")
    assert_prints(est.se, "932235")
    # apiclus2$enroll has missing values: na.rm=TRUE treats them as a domain
    est = total(dclus2(), num("apiclus2.csv", "enroll"), na_rm=True)
    assert_prints(est.value, "2639273")
    assert_prints(est.se, "799638")
    est = total(dclus2wr(), num("apiclus2.csv", "enroll"), na_rm=True)
    assert_prints(est.value, "2639273")
    assert_prints(est.se, "820261")


def test_missing_values_are_refused_without_na_rm():
    with pytest.raises(ValueError, match="na_rm"):
        total(dclus2(), num("apiclus2.csv", "enroll"))


def test_indicator_totals_and_means_match_r():
    """svytotal(~stype, dclus1) and svymean(~stype, dclus1) from the package's examples."""
    stype = text("apiclus1.csv", "stype")
    design = dclus1()
    for level, tot, tot_se, share, share_se in [
        ("E", "4873.97", "1333.32", "0.786885", "0.0463"),
        ("H", "473.86", "158.70", "0.076503", "0.0268"),
        ("M", "846.17", "167.55", "0.136612", "0.0296"),
    ]:
        indicator = (stype == level).astype(float)
        est = total(design, indicator)
        assert_prints(est.value, tot)
        assert_prints(est.se, tot_se)
        est = proportion(design, indicator)
        assert_prints(est.value, share)
        assert_prints(est.se, share_se)


def test_multistage_total_mu284_matches_r():
    """svytotal(~y1, svydesign(id=~id1+id2, fpc=~n1+n2, data=mu284)): tests/multistage.R"""
    f = "mu284.csv"
    design = svydesign(ids=(num(f, "id1"), num(f, "id2")), fpc=(num(f, "n1"), num(f, "n2")))
    est = total(design, num(f, "y1"))
    assert_prints(est.value, "15080")
    assert_prints(est.se, "2274.3")
    assert_prints(est.var, "5172234")


def test_ratio_matches_r():
    """svyratio(~api.stu, ~enroll, dclus1)"""
    est = ratio(dclus1(), num("apiclus1.csv", "api.stu"), num("apiclus1.csv", "enroll"))
    assert_prints(est.value, "0.8497087")
    assert_prints(est.se, "0.008386297")


# ---- fpc given every way (tests/fpc.Rout.save) ------------------------------------------------


def test_fpc_as_sizes_fractions_and_probs_all_match_r():
    f = "fpc.csv"
    x, w, ids, strata = num(f, "x"), num(f, "weight"), num(f, "psuid"), num(f, "stratid")
    nh, big_nh = num(f, "nh"), num(f, "Nh")
    without = mean(svydesign(ids=ids, strata=strata, weights=w, nest=True), x)
    assert_prints(without.value, "5.4481")
    assert_prints(without.se, "0.7413")
    variants = [
        svydesign(ids=ids, strata=strata, weights=w, fpc=big_nh, nest=True),
        svydesign(ids=ids, strata=strata, probs=1 / w, fpc=big_nh, nest=True),
        svydesign(ids=ids, strata=strata, weights=w, fpc=nh / big_nh, nest=True),
        svydesign(ids=strata * 100 + ids, strata=strata, weights=w, fpc=nh / big_nh),
        svydesign(ids=ids, strata=strata, fpc=big_nh, nest=True),
        svydesign(ids=ids, strata=strata, fpc=nh / big_nh, nest=True),
    ]
    for design in variants:
        est = mean(design, x)
        assert_prints(est.value, "5.4481")
        assert_prints(est.se, "0.616")


# ---- domains (tests/domain.Rout.save, example-domain) -----------------------------------------


def test_domain_means_totals_and_ratio_match_r():
    f = "fpc.csv"
    x = num(f, "x")
    design = svydesign(
        ids=num(f, "psuid"), strata=num(f, "stratid"), weights=num(f, "weight"), nest=True
    )
    big = mean(design, x, domain=x > 4)
    assert_prints(big.value, "6.195")
    assert_prints(big.se, "0.7555129")
    small = mean(design, x, domain=x <= 4)
    assert_prints(small.value, "3.314286")
    assert_prints(small.se, "0.3117042")
    as_ratio = ratio(design, x * (x > 4), (x > 4).astype(float))
    assert_prints(as_ratio.se, "0.7555129")
    assert_prints(total(design, x, domain=x > 4).se, "33.00409")
    assert_prints(total(design, x, domain=x <= 4).se, "17.01764")


def test_domain_total_in_cluster_sample_matches_r():
    """svytotal(~enroll, subset(dclus1, sch.wide=="Yes" & comp.imp=="Yes"))"""
    dom = (text("apiclus1.csv", "sch.wide") == "Yes") & (text("apiclus1.csv", "comp.imp") == "Yes")
    est = total(dclus1(), num("apiclus1.csv", "enroll"), domain=dom)
    assert_prints(est.value, "2406420")
    assert_prints(est.se, "645444")


def test_by_matches_r_svyby():
    """svyby(~api99+api00, ~stype+sch.wide, dclus1, svymean, keep.var=TRUE)"""
    groups = np.char.add(
        np.char.add(text("apiclus1.csv", "stype"), "."), text("apiclus1.csv", "sch.wide")
    )
    api99 = by(dclus1(), groups, mean, num("apiclus1.csv", "api99"))
    api00 = by(dclus1(), groups, mean, num("apiclus1.csv", "api00"))
    expected = {
        "E.No": ("601.6667", "596.3333", "47.27582", "43.49010"),
        "E.Yes": ("608.3485", "653.6439", "21.52493", "20.31720"),
        "H.No": ("662.0000", "659.3333", "29.23003", "27.00275"),
        "H.Yes": ("577.6364", "607.4545", "46.50125", "43.70468"),
        "M.No": ("611.3750", "606.3750", "41.11886", "41.11686"),
    }
    assert list(api99) == ["E.No", "E.Yes", "H.No", "H.Yes", "M.No", "M.Yes"]
    for key, (m99, m00, se99, se00) in expected.items():
        assert_prints(api99[key].value, m99)
        assert_prints(api00[key].value, m00)
        assert_prints(api99[key].se, se99)
        assert_prints(api00[key].se, se00)


def test_domain_df_is_r_degf_of_the_subset():
    f = "fpc.csv"
    x = num(f, "x")
    design = svydesign(
        ids=num(f, "psuid"), strata=num(f, "stratid"), weights=num(f, "weight"), nest=True
    )
    assert design.df == 8 - 2
    assert mean(design, x, domain=x > 4).df == 6 - 2
    assert mean(design, x, domain=x <= 4).df == 2 - 2  # one PSU in each of two strata


# ---- lonely PSUs (tests/lonely.psu.Rout.save, R 4.1) ------------------------------------------


@pytest.mark.parametrize(
    ("mode", "printed"),
    [("remove", "5.8058"), ("certainty", "5.8058"), ("adjust", "5.8281"), ("average", "6.0096")],
)
def test_lonely_psu_modes_match_r(mode, printed):
    """svydesign(id=~1, weights=~pw, strata=~dnum, data=apiclus1): stratum 413 has one school."""
    design = svydesign(
        strata=num("apiclus1.csv", "dnum"), weights=num("apiclus1.csv", "pw"), lonely_psu=mode
    )
    est = mean(design, num("apiclus1.csv", "api00"))
    assert_prints(est.value, "644.17")
    assert_prints(est.se, printed)


def test_lonely_psu_fail_names_the_stratum():
    design = svydesign(strata=num("apiclus1.csv", "dnum"), weights=num("apiclus1.csv", "pw"))
    with pytest.raises(LonelyPSUError, match="'413' has only one sampled unit at stage 1"):
        mean(design, num("apiclus1.csv", "api00"))


@pytest.mark.parametrize("mode", ["fail", "remove", "certainty", "adjust", "average"])
def test_certainty_stratum_by_fpc_is_not_lonely(mode):
    dnum = num("apiclus1.csv", "dnum")
    design = svydesign(
        strata=dnum,
        weights=num("apiclus1.csv", "pw"),
        fpc=np.where(dnum == 413, 1, 1000),
        lonely_psu=mode,
    )
    assert_prints(mean(design, num("apiclus1.csv", "api00")).se, "5.7344")


@pytest.mark.parametrize("mode", ["fail", "remove", "certainty", "adjust", "average"])
def test_lonely_psu_after_subsetting_uses_design_counts(mode):
    """ds1 <- ds[-31,] with ds on subset(apiclus1, dnum != 413): stratum 406 keeps nPSU = 2."""
    dnum = num("apiclus1.csv", "dnum")
    keep = dnum != 413
    design = svydesign(strata=dnum[keep], weights=num("apiclus1.csv", "pw")[keep], lonely_psu=mode)
    domain = np.ones(int(keep.sum()), dtype=bool)
    domain[30] = False
    est = mean(design, num("apiclus1.csv", "api00")[keep], domain=domain)
    assert_prints(est.value, "645.14")
    assert_prints(est.se, "5.8909")


@pytest.mark.parametrize(
    ("mode", "variance"), [("remove", 126625), ("certainty", 126625), ("adjust", 127579.8)]
)
def test_lonely_psu_totals_match_r_stopifnot(mode, variance):
    """The svytotal() checks at the end of tests/lonely.psu.R (R >= 4.1 recentres 'adjust')."""
    design = svydesign(
        ids=[1, 2, 3, 4, 5],
        strata=[1, 1, 2, 2, 3],
        weights=[10.5, 10.5, 20, 20, 15],
        lonely_psu=mode,
    )
    est = total(design, [30.5, 40.5, 35, 52, 44])
    assert est.var == pytest.approx(variance, rel=1e-6)


# ---- design effects (tests/deff.Rout.save, svymean(..., deff=TRUE)) ----------------------------


def test_deff_matches_r():
    uriage = np.array([15, 143, 21, 51, 337, 50, 274, 145, 15, 86], dtype=float)
    design = svydesign(weights=np.full(10, 100.0))
    m = mean(design, uriage)
    assert_prints(m.value, "113.700")
    assert_prints(m.se, "35.626")
    assert_prints(m.deff, "1.0101")
    t = total(design, uriage)
    assert_prints(t.value, "113700")
    assert_prints(t.se, "35626")
    assert_prints(t.deff, "1.0101")
    assert m.deff == pytest.approx(1 / (1 - 10 / 1000), rel=1e-12)


def test_deff_of_cluster_mean_matches_r():
    """svymean(~api00, dclus1, deff=TRUE): DEff 9.3459."""
    assert_prints(mean(dclus1(), num("apiclus1.csv", "api00")).deff, "9.3459")
