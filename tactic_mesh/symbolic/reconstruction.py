"""Replaying E prover's proof object in the kernel.

E refutes ``a ∧ ¬b`` (``b``'s variables become Skolem constants).  Its proof object lists unit
clauses, each with the clauses it was inferred from.  The replay proves every clause again, from
its parents only, as an equational chain (``symbolic.chains.derive``: an instance, a critical pair,
rewriting, congruence), and writes the whole proof as one tactic script for the implication
``∀ (G : Type) [Magma G], (∀ …, a) → ∀ …, b``:

* ``intro G inst h xs`` (``xs``: ``b``'s variables, which stand for the Skolem constants);
* a positive clause ``l = r`` becomes ``have L_c : ∀ X1 … : G, l = r := fun X1 … => chain``, from
  the hypothesis ``h`` and the lemmas of its parents;
* the negative clauses ``s ≠ t`` are proved backwards: the last one's equation follows from
  positive lemmas (this is how E reached ``$false``), each earlier one's from its successor
  (``have N_c : s = t := chain``); a goal clause with variables is proved at the instance its
  successor needs;
* ``exact chain``: ``b`` from the first goal clause, the negated conjecture.

Only the kernel's verdict counts: the script is elaborated and the theorem admitted by the
kernel, and its statement is the one built from the equations.  A step the replay cannot
re-derive (an inference shape it does not know) is a ``ReconstructionError`` with the clause's
name and line — the verdict is then ``unknown``, never ``proved``.
"""

from __future__ import annotations

import itertools

import attrs

from tactic_mesh.calculus.magma.chains import Chain, Fact, chain_text, derive, derive_instance, fill
from tactic_mesh.calculus.magma.equations import Equation, Term, show
from tactic_mesh.calculus.magma.terms import is_var, match_pair, ordered_variables, substitute, variables
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.symbolic.admit import admit, intro_line, theorem_text
from tactic_mesh.symbolic.refutation import implication_text
from tactic_mesh.symbolic.tptp import Clause, Source

_counter = itertools.count()


class ReconstructionError(TacticMeshError):
    """An inference of E's proof that the replay cannot re-derive."""


@attrs.frozen
class ReplayedProof:
    statement_text: str
    theory: str
    theorem: str
    script: tuple[str, ...]  # the tactic script proving the statement (intro, have…, exact)
    checked_by: str = "kernel"

    @property
    def lemmas(self) -> int:
        """The ``have`` steps between the ``intro`` and the final ``exact``."""
        return len(self.script) - 2


def _leaves(source: Source | str) -> list[str]:
    if isinstance(source, str):
        return [source]
    out: list[str] = []
    for parent in source.parents:
        out.extend(_leaves(parent))
    return out


@attrs.define
class _Replay:
    b: Equation
    binders: tuple[str, ...]  # the conclusion's variables in the order the statement binds them
    prefix: str
    lines: list[str] = attrs.field(factory=list)  # the tactic script after the intro
    skolem: dict[str, str] = attrs.field(factory=dict)  # "@esk1_0" → b's variable

    def render(self, t: Term) -> str:
        return show(self._rename(t))

    def _rename(self, t: Term) -> Term:
        if isinstance(t, str):
            if is_var(t):
                return t
            if t not in self.skolem:
                raise ReconstructionError(f"the constant {t[1:]} is not a Skolem constant of the conjecture")
            return self.skolem[t]
        return (self._rename(t[0]), self._rename(t[1]))

    def emit(self, name: str, names: tuple[str, ...], lhs: Term, rhs: Term, chain: Chain, filler: Term) -> Fact:
        """``have name : ∀ names : G, lhs = rhs := fun names => proof`` (no binders for a goal
        clause: its Skolem constants are b's variables, already introduced)."""
        chain = fill(chain, set(names), filler)
        eq = f"{show(self._rename(lhs), top=True)} = {show(self._rename(rhs), top=True)}"
        proof = chain_text(chain, filler, self.render)
        if names:
            binders = " ".join(names)
            self.lines.append(f"have {name} : ∀ {binders} : G, {eq} := fun {binders} => {proof}")
        else:
            self.lines.append(f"have {name} : {eq} := {proof}")
        return Fact(name, lhs, rhs, names)

    def proof(self, statement: str) -> ReplayedProof:
        name = f"{self.prefix}_implication"
        script = (intro_line(self.binders), *self.lines)
        theory = theorem_text(name, statement, script)
        return ReplayedProof(statement, theory, name, script)


def replay(a: Equation, b: Equation, clauses: list[Clause], binders: tuple[str, ...] | None = None) -> ReplayedProof:
    """The theory proving ``a ⇒ b`` replayed from E's proof clauses (not yet admitted).
    ``binders``: the conclusion's variables in the order its statement binds them (default
    ``b.variables()``, the order of ``implication_text``); the script introduces them so."""
    k = next(_counter)
    run = _Replay(b, binders if binders is not None else b.variables(), f"eproof{k}")
    hypothesis = Fact("h", a.lhs, a.rhs, a.variables())
    by_name = {c.name: c for c in clauses}
    positive: dict[str, Fact] = {}
    negative: list[Clause] = []
    final: Clause | None = None
    for clause in clauses:
        if not clause.literals:
            final = clause
            break
        literal = clause.unit()
        if literal is None:
            raise ReconstructionError(f"clause {clause.name} (line {clause.line}) is not a unit clause")
        if not literal.positive:
            negative.append(clause)
            continue
        facts = _parent_facts(clause, by_name, positive, hypothesis)
        chain = derive(literal.lhs, literal.rhs, facts)
        if chain is None:
            raise ReconstructionError(f"cannot re-derive clause {clause.name} (line {clause.line}) "
                                      f"from {', '.join(_leaves(clause.source)) or 'nothing'}")
        names = tuple(ordered_variables(literal.lhs, literal.rhs))
        if not names:
            raise ReconstructionError(f"clause {clause.name} (line {clause.line}) is ground")
        positive[clause.name] = run.emit(f"L_{clause.name}", names, literal.lhs, literal.rhs, chain, names[0])
    if final is None:
        raise ReconstructionError("E's proof object has no empty clause")
    if not negative and b.lhs == b.rhs:  # E discards the trivial conjecture before any inference
        run.lines = ["exact rfl"]
        return run.proof(implication_text(a, b))
    if not negative:
        raise ReconstructionError("E's proof object has no negated conjecture")
    _skolems(run, negative[0])
    b_names = b.variables()
    to_constant = {v: c for c, v in run.skolem.items()}
    skolemised = tuple(to_constant[v] for v in b_names)
    pending = {c.name: c for c in negative}
    successor: Fact | None = None  # the later goal clause's equation, proved
    current, seen = final, set()
    while True:
        negs = [n for n in _leaves(current.source) if n in pending]
        if not negs:
            break
        if len(negs) > 1 or negs[0] in seen:
            raise ReconstructionError(f"clause {current.name} (line {current.line}) has several goal parents")
        parent = pending[negs[0]]
        seen.add(parent.name)
        literal = parent.unit()
        assert literal is not None
        facts = _parent_facts(current, by_name, positive, hypothesis, skip=set(pending))
        if successor is not None:
            facts.append(successor)
        lhs, rhs = literal.lhs, literal.rhs
        if variables(lhs) | variables(rhs):  # a goal clause with variables: the instance its successor needs
            found = derive_instance(lhs, rhs, facts)
            if found is None:
                raise ReconstructionError(f"cannot find the instance of goal clause {parent.name} "
                                          f"(line {parent.line}) that {current.name} refutes")
            lhs, rhs, chain = found
            loose = {v: skolemised[0] for v in variables(lhs) | variables(rhs)}
            lhs, rhs = substitute(lhs, loose), substitute(rhs, loose)
        else:
            derived = derive(lhs, rhs, facts)
            if derived is None:
                raise ReconstructionError(f"cannot re-derive goal clause {parent.name} (line {parent.line}) "
                                          f"from its successor {current.name}")
            chain = derived
        successor = run.emit(f"N_{parent.name}", (), lhs, rhs, chain, skolemised[0])
        current = parent
    if successor is None:
        raise ReconstructionError("the empty clause does not come from the negated conjecture")
    # the implication: b's equation (its variables read as the Skolem constants) from the first goal clause
    statement = implication_text(a, b)
    chain = derive(substitute(b.lhs, to_constant), substitute(b.rhs, to_constant), [successor], depth=0)
    if chain is None:
        raise ReconstructionError("the negated conjecture is not the implication's conclusion")
    run.lines.append(f"exact {chain_text(chain, skolemised[0], run.render)}")
    return run.proof(statement)


def _skolems(run: _Replay, first: Clause) -> None:
    """The Skolem constants of the negated conjecture, read off by matching it with ``b``."""
    literal = first.unit()
    assert literal is not None
    for pair in ((literal.lhs, literal.rhs), (literal.rhs, literal.lhs)):
        found = match_pair((run.b.lhs, run.b.rhs), pair)
        if found is not None and all(isinstance(t, str) and not is_var(t) for t in found.values()):
            run.skolem = {str(t): v for v, t in found.items()}
            return
    raise ReconstructionError(f"the first goal clause {first.name} (line {first.line}) is not the negated conjecture")


def _parent_facts(clause: Clause, by_name: dict[str, Clause], positive: dict[str, Fact], hypothesis: Fact,
                  skip: set[str] | None = None) -> list[Fact]:
    facts: list[Fact] = []
    for leaf in _leaves(clause.source):
        if skip is not None and leaf in skip:
            continue
        if leaf in positive:
            fact = positive[leaf]
        elif leaf not in by_name:
            fact = hypothesis  # an input formula: the hypothesis (the conjecture is never a positive parent)
        else:
            continue
        if fact not in facts:
            facts.append(fact)
    if not facts:
        facts.append(hypothesis)
    return facts


def prove_by_eprover_proof(a: Equation, b: Equation, clauses: list[Clause]) -> ReplayedProof:
    """Replay E's proof and admit it through the kernel (``TacticMeshError`` when it refuses)."""
    proof = replay(a, b, clauses)
    admit(proof.theory, "E proof replay")
    return proof


__all__ = ["ReconstructionError", "ReplayedProof", "prove_by_eprover_proof", "replay"]
