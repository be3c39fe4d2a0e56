"""Rewrite certificates: E's saturation re-checked as a convergent system refuting ``a ⇒ b``."""

from __future__ import annotations

import csv

import pytest

from tactic_mesh.calculus.magma.equations import data_dir, parse_equation
from tactic_mesh.kernel.errors import Location
from tactic_mesh.symbolic import eprover
from tactic_mesh.symbolic.rewrite_certificate import (
    Bounds,
    CertificateError,
    Ordering,
    RewriteCertificate,
    check_saturation,
    critical_pairs,
    recheck,
    refute_by_saturation,
)
from tactic_mesh.symbolic.tptp import Clause, Literal, Source

NO_E = pytest.mark.skipif(eprover.binary() is None, reason="E prover (eprover) is not installed")


def units(*texts: str, negative: tuple[str, ...] = ()) -> list[Clause]:
    """Clauses as E would print them: positive units (and negative ones, which are ignored)."""
    out = []
    for n, text in enumerate(texts + negative):
        eq = parse_equation(text)
        out.append(Clause(f"c_{n}", "plain", (Literal(text in texts, eq.lhs, eq.rhs),), Source("file"), n + 1))
    return out


def cert_for(a: str, b: str, *system: str) -> RewriteCertificate:
    return check_saturation(parse_equation(a), parse_equation(b), units(*system))


LEFT_ZERO = ("x ◇ y = x",)  # x ◇ y → x: convergent (no critical pair)


# ------------------------------------------------------------------------------------------
# End to end with E


@NO_E
def test_a_false_row_of_the_dev_sample_is_certified_end_to_end() -> None:
    # dev_implications.tsv, holds=false: x = y ◇ x does not imply x = (x ◇ y) ◇ (y ◇ y)
    a, b = parse_equation("x = y ◇ x"), parse_equation("x = (x ◇ y) ◇ (y ◇ y)")
    cert = refute_by_saturation(a, b, 5)
    assert cert.checked_by == "rewrite-certificate"
    assert cert.rules == ("x ◇ y -> y",)
    assert cert.normal_forms == ("@x", "@y")
    assert recheck(cert.to_text()) == cert


@NO_E
def test_associativity_does_not_give_commutativity() -> None:
    a, b = parse_equation("x ◇ (y ◇ z) = (x ◇ y) ◇ z"), parse_equation("x ◇ y = y ◇ x")
    cert = refute_by_saturation(a, b, 5)
    assert cert.critical_pairs >= 1
    assert set(cert.normal_forms) == {"@x ◇ @y", "@y ◇ @x"}


@NO_E
def test_a_true_implication_is_refused_with_es_status() -> None:
    a, b = parse_equation("x ◇ y = x"), parse_equation("(x ◇ y) ◇ z = x ◇ z")
    with pytest.raises(CertificateError, match="status Theorem"):
        refute_by_saturation(a, b, 5)


def test_a_missing_prover_is_a_certificate_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(eprover.BINARY_ENV, "/nonexistent/eprover")
    with pytest.raises(CertificateError, match="status Unavailable: E prover is not installed"):
        refute_by_saturation(parse_equation("x = y ◇ x"), parse_equation("x = x ◇ y"), 1)


# ------------------------------------------------------------------------------------------
# Hand-written systems


def test_a_convergent_hand_written_system_is_certified() -> None:
    cert = cert_for("x ◇ y = x", "x ◇ y = y ◇ x", *LEFT_ZERO)
    assert cert.rules == ("x ◇ y -> x",) and cert.critical_pairs == 0
    assert cert.normal_forms == ("@x", "@y")


def test_only_positive_units_are_used() -> None:
    # a negative unit (E's negated conjecture, here a bogus one) and a non-unit clause are ignored
    eq = parse_equation("x ◇ x = x")
    two = Clause("c_9", "plain", (Literal(True, eq.lhs, eq.rhs), Literal(True, eq.rhs, eq.lhs)), Source("file"), 9)
    clauses = [*units(*LEFT_ZERO, negative=("x = y",)), two]
    cert = check_saturation(parse_equation("x ◇ y = x"), parse_equation("x = y ◇ x"), clauses)
    assert cert.rules == ("x ◇ y -> x",)


def test_a_system_that_is_not_confluent_is_rejected() -> None:
    # (x ◇ y) ◇ z → x overlaps itself at position 0: x' ◇ y' ← ((x' ◇ y') ◇ z') ◇ z → x' ◇ z
    with pytest.raises(CertificateError, match="not locally confluent: rule 1 overlaps rule 1 at position 0"):
        cert_for("(x ◇ y) ◇ z = x", "x = y", "(x ◇ y) ◇ z = x")


def test_an_unorientable_system_is_rejected() -> None:
    with pytest.raises(CertificateError, match=r"cannot be oriented"):
        cert_for("x ◇ y = y ◇ x", "x ◇ (y ◇ z) = (x ◇ y) ◇ z", "x ◇ y = y ◇ x")
    with pytest.raises(CertificateError, match=r"x ◇ y = x ◇ z cannot be oriented"):
        cert_for("x ◇ y = x ◇ z", "x = y", "x ◇ y = x ◇ z")


def test_a_non_terminating_rule_in_a_certificate_is_rejected() -> None:
    text = good_text().replace("rule: x ◇ y -> x", "rule: x ◇ y -> (x ◇ y) ◇ x")
    with pytest.raises(CertificateError, match="does not decrease") as info:
        recheck(text, "c.cert")
    assert info.value.loc == Location("c.cert", 6, 7)


def test_a_hypothesis_that_is_not_joinable_is_rejected() -> None:
    with pytest.raises(CertificateError, match=r"hypothesis x = y ◇ x is not joinable.* @x and @y"):
        cert_for("x = y ◇ x", "x = x ◇ x", *LEFT_ZERO)


def test_a_joinable_conclusion_is_rejected() -> None:
    with pytest.raises(CertificateError, match=r"holds in the quotient.*the normal form @x "):
        cert_for("x ◇ y = x", "(x ◇ y) ◇ z = x ◇ z", *LEFT_ZERO)


def test_critical_pairs_include_self_overlaps_but_not_the_trivial_root_one() -> None:
    assoc = parse_equation("(x ◇ y) ◇ z = x ◇ (y ◇ z)")
    pairs = list(critical_pairs([(assoc.lhs, assoc.rhs)]))
    assert [(i, j, p) for i, j, p, _, _ in pairs] == [(0, 0, (0,))]
    cert = cert_for("(x ◇ y) ◇ z = x ◇ (y ◇ z)", "x ◇ y = y ◇ x", "(x ◇ y) ◇ z = x ◇ (y ◇ z)")
    assert cert.critical_pairs == 1


def test_orderings() -> None:
    kbo, lpo = Ordering("kbo", weights=(("◇", 1),)), Ordering("lpo")
    assoc = parse_equation("(x ◇ y) ◇ z = x ◇ (y ◇ z)")
    for order in (kbo, lpo):
        assert order.greater(assoc.lhs, assoc.rhs) and not order.greater(assoc.rhs, assoc.lhs)
    for order in (Ordering("kbo", "right-to-left", weights=(("◇", 1),)), Ordering("lpo", "right-to-left")):
        assert order.greater(assoc.rhs, assoc.lhs) and not order.greater(assoc.lhs, assoc.rhs)
    growing = parse_equation("(x ◇ x) ◇ y = x ◇ (x ◇ x)")  # more x on the right: LPO only
    assert lpo.greater(growing.lhs, growing.rhs) and not lpo.greater(growing.rhs, growing.lhs)
    assert not kbo.greater(growing.lhs, growing.rhs) and not kbo.greater(growing.rhs, growing.lhs)
    comm = parse_equation("x ◇ y = y ◇ x")
    assert not any(o.greater(comm.lhs, comm.rhs) or o.greater(comm.rhs, comm.lhs) for o in (kbo, lpo))
    c = parse_equation("x ◇ x = x").lhs
    with_const = Ordering("kbo", precedence=("◇", "@c"), weights=(("◇", 0), ("@c", 1)))
    assert with_const.greater(c, "@c") and not with_const.greater("@c", c)
    assert not with_const.greater("x", "@c") and not with_const.greater("@c", "x")


def test_constants_in_the_system() -> None:
    # x ◇ x = @k (all squares equal): a constant of the system, and b's constants stay fresh
    square = parse_equation("x ◇ x = x").lhs
    system = [Clause("c_1", "plain", (Literal(True, square, "@k"),), Source("file"), 1)]
    cert = check_saturation(parse_equation("x ◇ x = y ◇ y"), parse_equation("x ◇ y = y ◇ x"), system)
    assert cert.rules == ("x ◇ x -> @k",) and "@k" in cert.ordering
    assert recheck(cert.to_text()) == cert


# ------------------------------------------------------------------------------------------
# Bounds


def test_bounds_are_errors_not_hangs() -> None:
    a, b = parse_equation("(x ◇ y) ◇ z = x ◇ (y ◇ z)"), parse_equation("x ◇ y = y ◇ x")
    system = units("(x ◇ y) ◇ z = x ◇ (y ◇ z)")
    with pytest.raises(CertificateError, match="more than 0 critical pairs"):
        check_saturation(a, b, system, Bounds(max_critical_pairs=0))
    deep = parse_equation("((((x ◇ y) ◇ z) ◇ w) ◇ u) ◇ v = x")
    with pytest.raises(CertificateError, match="exceeded 2 rewrite steps"):
        check_saturation(a, deep, system, Bounds(max_steps=2))
    with pytest.raises(CertificateError, match="more than 5 nodes"):
        check_saturation(a, deep, system, Bounds(max_term_size=5))
    left = "(" * 40 + "x" + "".join(f" ◇ y{i})" for i in range(40))  # both orientations of assoc have work
    big = parse_equation(f"{left} = x ◇ {left.replace('x', 'z')}")
    with pytest.raises(CertificateError, match="took more than 0 s"):
        check_saturation(a, big, system, Bounds(max_seconds=0))
    with pytest.raises(CertificateError, match=r"1 positive unit equations \(more than 0\)"):
        check_saturation(a, b, system, Bounds(max_rules=0))


# ------------------------------------------------------------------------------------------
# The text format


def good() -> RewriteCertificate:
    return cert_for("x ◇ y = x", "x ◇ y = y ◇ x", *LEFT_ZERO)


def good_text() -> str:
    return good().to_text()


def test_text_round_trip() -> None:
    cert = good()
    text = cert.to_text()
    assert text.splitlines() == [
        "rewrite-certificate 1",
        "checked-by: rewrite-certificate",
        "hypothesis: x ◇ y = x",
        "refuted: x ◇ y = y ◇ x",
        "ordering: kbo left-to-right weights ◇=0 precedence ◇",
        "rule: x ◇ y -> x",
        "critical-pairs: 0",
        "lhs-normal-form: @x",
        "rhs-normal-form: @y",
    ]
    assert RewriteCertificate.from_text(text) == cert
    assert recheck("# a comment\n\n" + text) == cert
    assoc = cert_for("(x ◇ y) ◇ z = x ◇ (y ◇ z)", "x ◇ y = y ◇ x", "(x ◇ y) ◇ z = x ◇ (y ◇ z)")
    assert recheck(assoc.to_text()) == assoc


@pytest.mark.parametrize(
    ("old", "new", "line", "col", "message"),
    [
        ("rule: x ◇ y -> x", "rule: x ◇ ◇ y -> x", 6, 11, "expected a variable"),
        ("rule: x ◇ y -> x", "rule: x ◇ y => x", 6, 13, "expected '->'"),
        ("rule: x ◇ y -> x", "rule: x ◇ y -> z", 6, 7, "variable that is not on its left side"),
        ("refuted: x ◇ y = y ◇ x", "refuted: x ◇ y = (y ◇ x", 4, 24, "expected ')'"),
        ("refuted: x ◇ y = y ◇ x", "refuted: x ◇ y = x", 4, 10, "holds in the quotient"),
        ("hypothesis: x ◇ y = x", "hypothesis: x ◇ y = y", 3, 13, "is not joinable"),
        ("critical-pairs: 0", "critical-pairs: 3", 7, 17, "claims 3 critical pairs, there are 0"),
        ("critical-pairs: 0", "critical-pairs: many", 7, 17, "expected a number"),
        ("rhs-normal-form: @y", "rhs-normal-form: @x", 9, 18, "not the one computed (@y)"),
        ("ordering: kbo left-to-right", "ordering: rpo left-to-right", 5, 11, "kbo or lpo"),
        ("weights ◇=0", "weights ◇=x", 5, 39, "expected a number"),
        ("checked-by: rewrite-certificate", "checked-by: E", 2, 13, "expected checked-by"),
        ("checked-by: rewrite-certificate", "checked by: E", 2, 1, "expected 'key: value'"),
        ("critical-pairs: 0", "critical-pair: 0", 7, 1, "unknown key 'critical-pair'"),
        ("rewrite-certificate 1", "rewrite-certificate 2", 1, 1, "expected the header"),
        ("lhs-normal-form: @x\n", "", 9, 1, "missing 'lhs-normal-form'"),
        ("rule: x ◇ y -> x", "rule: x ◇ y -> x\nhypothesis: x = x", 7, 1, "'hypothesis' given twice"),
    ],
)
def test_damaged_text_gives_a_located_error(old: str, new: str, line: int, col: int, message: str) -> None:
    text = good_text()
    assert old in text
    with pytest.raises(CertificateError) as info:
        recheck(text.replace(old, new), "c.cert")
    assert message in info.value.message
    assert info.value.loc == Location("c.cert", line, col)
    assert str(info.value).startswith(f"c.cert:{line}:{col}: ")


def test_a_non_confluent_certificate_points_at_the_rule() -> None:
    # adds x ◇ y -> y: the root overlap with x ◇ y -> x gives the pair x = y
    text = good_text().replace("rule: x ◇ y -> x\n", "rule: x ◇ y -> x\nrule: x ◇ y -> y\n")
    with pytest.raises(CertificateError, match="not locally confluent") as info:
        recheck(text, "c.cert")
    assert info.value.loc == Location("c.cert", 6, 7)


@pytest.mark.skipif(data_dir() is None, reason="the shared ETP data (shared/data/etp) is not on this machine")
def test_no_certificate_for_a_true_row_of_the_dev_sample() -> None:
    """Soundness on data: for each row that holds, the hypothesis itself as the candidate system
    (often convergent) must never yield a certificate."""
    directory = data_dir()
    assert directory is not None
    with (directory / "dev_implications.tsv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["holds"] == "true"]
    assert rows
    for r in rows:
        a, b = parse_equation(r["lhs_eq"]), parse_equation(r["rhs_eq"])
        with pytest.raises(CertificateError):
            check_saturation(a, b, units(r["lhs_eq"]))
