"""TPTP problems for magma implications, and the clauses E prints, read with located errors."""

from __future__ import annotations

import random

import pytest

from tactic_mesh.calculus.magma.equations import parse_equation
from tactic_mesh.symbolic.tptp import Source, TptpError, parse_clauses, problem

PROOF = """# SZS output start CNFRefutation
fof(b, conjecture, ![X1]:m(X1,X1)=X1, file('t.p', b)).
cnf(c_0_5, plain, (m(X1,X2)=m(m(X1,X3),X1)), inference(split_conjunct,[status(thm)],[c_0_3])).
cnf(c_0_6, negated_conjecture, (m(esk1_0,esk2_0)!=m(esk2_0,esk1_0)), inference(split_conjunct,[status(thm)],[c_0_4])).
cnf(c_0_7, plain, (m(X1,X2)=m(X1,X3)), inference(spm,[status(thm)],[c_0_5, c_0_5])).
cnf(c_0_9, negated_conjecture, ($false), inference(sr,[],[inference(spm,[status(thm)],[c_0_6, c_0_7]), c_0_7])).
cnf(c_0_10, plain, (m(X1,X2)=X1), c_0_7, ['final']).
"""


def test_problem_text() -> None:
    text = problem(parse_equation("x = x ◇ y"), parse_equation("x ◇ y = y"))
    assert "fof(hypothesis, axiom, ![Vx,Vy]: Vx = m(Vx,Vy))." in text
    assert "fof(goal, conjecture, ![Vx,Vy]: m(Vx,Vy) = Vy)." in text


def test_clauses_of_a_proof_object() -> None:
    clauses = parse_clauses(PROOF)
    assert [c.name for c in clauses] == ["c_0_5", "c_0_6", "c_0_7", "c_0_9", "c_0_10"]
    first = clauses[0].unit()
    assert first is not None and first.positive and first.lhs == ("X1", "X2")
    goal = clauses[1].unit()
    assert goal is not None and not goal.positive and goal.lhs == ("@esk1_0", "@esk2_0")
    assert clauses[3].literals == ()
    assert clauses[3].source == Source("sr", (Source("spm", ("c_0_6", "c_0_7")), "c_0_7"))
    assert clauses[4].source == Source("copy", ("c_0_7",))


@pytest.mark.parametrize(("line", "col"), [
    ("cnf(c, plain, (f(X1,X2)=X1), c_0_1).", 16),  # another function symbol
    ("cnf(c, plain, (m(X1,X2)=X1), inference(rw,[status(thm)],[c_0_1)).", 63),
    ("cnf(c, plain, (m(X1,X2) X1), c_0_1).", 25),
    ("cnf(c, plain, (m(X1,X2)=X1) c_0_1).", 29),
    ("cnf(c, plain, (m(X1,X2)=X1), c_0_1)", 36),
])
def test_malformed_clauses_are_located(line: str, col: int) -> None:
    with pytest.raises(TptpError) as err:
        parse_clauses(f"# comment\n{line}\n", "e.out")
    assert err.value.loc is not None
    assert (err.value.loc.file, err.value.loc.line, err.value.loc.col) == ("e.out", 2, col)


def test_fuzzed_lines_never_crash() -> None:
    rng = random.Random(11)
    lines = [line for line in PROOF.splitlines() if line.startswith("cnf(")]
    for _ in range(3000):
        line = list(rng.choice(lines))
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(line))
            op = rng.random()
            if op < 0.4:
                del line[i]
            elif op < 0.7:
                line.insert(i, rng.choice("()[],=!~|$ Xm1'"))
            else:
                line[i] = rng.choice("()[],=!~|$ Xm1'")
        try:
            parse_clauses("".join(line))
        except TptpError as err:
            assert err.loc is not None and err.loc.line == 1


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    deep = "m(" * 5000 + "X1" + ",X1)" * 5000
    with pytest.raises(TptpError, match="nested"):
        parse_clauses(f"cnf(c, plain, ({deep}=X1), c_0_1).")
