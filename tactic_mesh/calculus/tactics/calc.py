"""``calc a = b := p₁; _ ≤ c := p₂ …``: ``exact`` the chained proof of a relation chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tactic_mesh.calculus.combinators import exact
from tactic_mesh.calculus.tactic_syntax import TacticCall, TacticError, loc, top_level_split
from tactic_mesh.calculus.tactics.registry import TacticSpec, register
from tactic_mesh.calculus.terms import Term

if TYPE_CHECKING:
    from tactic_mesh.typing.derived import Checker
    from tactic_mesh.typing.interface import Interface
    from tactic_mesh.typing.judgment import Delta, Typed


CALC_RELATIONS = ("≤", "<", "=", "≥", ">")

CALC_TRANS = {
    ("≤", "≤"): ("Nat.le_trans", "≤"),
    ("≤", "<"): ("Nat.lt_of_le_of_lt", "<"),
    ("<", "≤"): ("Nat.lt_of_lt_of_le", "<"),
    ("<", "<"): ("Nat.lt_trans", "<"),
}


def _calc(call: TacticCall) -> Term:
    """``calc a = b := p₁; _ ≤ c := p₂ …`` (steps on one line separated by `;`, or on the following
    lines indented further, each inside brackets when it spans lines): ``exact`` the chained proof.
    ``=`` steps chain by ``Eq.trans``, or by rewriting the other relation's side (``Eq.mpr`` with
    ``congrArg``); ``≤``/``<`` steps by the library's transitivity lemmas (``Nat.le_trans``,
    ``Nat.lt_of_le_of_lt``, ``Nat.lt_of_lt_of_le``, ``Nat.lt_trans``)."""
    chain: tuple[str, str, str, str] | None = None  # (lhs, relation, rhs, proof) so far
    for lhs, rel, rhs, proof in calc_steps(call):
        if lhs == "_":
            assert chain is not None
            lhs = chain[2]
        term = f"(({proof}) : ({lhs}) {rel} ({rhs}))"
        chain = (lhs, rel, rhs, term) if chain is None else _calc_trans(chain, (lhs, rel, rhs, term), call)
    assert chain is not None
    return exact(chain[3])


def calc_steps(call: TacticCall) -> list[tuple[str, str, str, str]]:
    """The steps of a ``calc`` as (lhs, relation, rhs, proof) texts; ``_`` as the lhs of a later
    step stands for the previous rhs."""
    steps = [s for s in top_level_split(call.arg.replace("\n", " ; "), ";") if s]
    if not steps:
        raise TacticError("calc: expected steps `a = b := proof`", loc(call))
    out: list[tuple[str, str, str, str]] = []
    for step in steps:
        relation_text, sep, proof = step.partition(":=")
        found = next(((r, *relation_text.partition(f" {r} ")[::2]) for r in CALC_RELATIONS
                      if f" {r} " in relation_text), None)
        if not sep or found is None:
            raise TacticError(f"calc: a step must read `a R b := proof` (R one of = ≤ <), got `{step}`", loc(call))
        rel, lhs, rhs = found[0], found[1].strip(), found[2].strip()
        if rel in ("≥", ">"):
            raise TacticError("calc: write `≥`/`>` chains as `≤`/`<` chains read right to left", loc(call))
        if lhs == "_" and not out:
            raise TacticError("calc: the first step cannot start with `_`", loc(call))
        out.append((lhs, rel, rhs, proof.strip()))
    return out


def _calc_trans(
    a: tuple[str, str, str, str], b: tuple[str, str, str, str], call: TacticCall
) -> tuple[str, str, str, str]:
    (x, r1, _, p), (_, r2, z, q) = a, b
    if r1 == "=" and r2 == "=":
        return x, "=", z, f"(Eq.trans {p} {q})"
    if r1 == "=":  # x = y, y R z: rewrite y back into x
        return x, r2, z, f"(Eq.mpr (congrArg (fun t => t {r2} ({z})) {p}) {q})"
    if r2 == "=":  # x R y, y = z
        return x, r1, z, f"(Eq.mp (congrArg (fun t => ({x}) {r1} t) {q}) {p})"
    lemma = CALC_TRANS.get((r1, r2))
    if lemma is None:
        raise TacticError(f"calc: cannot chain `{r1}` with `{r2}`", loc(call))
    return x, lemma[1], z, f"({lemma[0]} {p} {q})"


def _typing(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: ck.calc_children(p, c, path))


register(TacticSpec("calc", lambda c, s: _calc(c), _typing, summary="a chain of `=`, `≤`, `<` steps"))
