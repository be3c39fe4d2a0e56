"""Kernel-checked refutations of magma implications from finite counter-models.

For a counter-model of ``a ⇒ b`` on ``n`` elements the certificate is a small theory file: an
inductive type with ``n`` constructors, the operation as nested recursors over its table, the
``Magma`` instance, ``a`` proved for the model, the distinctness of the two elements where ``b``
fails, and the refutation

    ¬ (∀ (G : Type) [Magma G], (∀ xs : G, a) → ∀ ys : G, b)

as one term.  ``check_refutation`` runs it through the elaborator and the kernel: only what the
kernel admits is a refutation, and the admitted statement is compared with the one built from the
equations.

``a`` is proved for the model in one of two ways (``method``):

* ``cases`` — ``intro`` the variables, ``cases`` on each, ``rfl`` on every one of the ``n^k``
  goals (``k`` variables).  Simple, but every goal is a tactic-state step: about 16 ms a goal, so
  fine for the tables of size ≤ 4 and too slow beyond (5³ = 125 goals already take 2 s).
* ``reflection`` — proof by computation.  The table is also packed into one numeral ``T``
  (``T i j`` reads digit ``i·n + j`` in base ``n`` with the kernel's literal arithmetic); a
  boolean ``check`` runs over all ``n^k`` tuples of numerals ``< n`` and compares both sides of
  ``a`` evaluated with ``T``; ``check = true`` is proved by ``rfl``, i.e. the kernel evaluates it.
  Generic lemmas (proved in the theory itself, by recursors over the carrier, ``Bool`` and
  ``Nat``) carry it back to the carrier: ``allN p = true → ∀ x, p (toNat x) = true``, the link
  ``toNat (x ◇ y) = T (toNat x) (toNat y)`` (itself proved by an ``n²`` reflection check against
  the recursor table), ``Nat.beq a b = true → a = b`` and injectivity of ``toNat``.  The trusted
  base is unchanged: the kernel type checks every lemma, and the only computation it trusts is
  its fingerprinted ``Nat`` literal arithmetic.

  Cost (measured, one core, elaborator + kernel — both evaluate ``check``; ETP laws have ≤ 4
  operations): about 1 ms per tuple plus a fixed part that grows like ``n³`` (every step of a
  recursor over the ``n``-constructor carrier rebuilds an ``n``-argument application, and the link
  takes ``n²`` such steps).  Whole certificates: 3 variables — n = 5: 0.5 s, 7: 0.8 s, 9: 1.0 s,
  11: 1.6 s, 13: 2.5 s (2,197 tuples); 2 variables — n = 13: 0.9 s, 17: 1.4 s, 19: 1.8 s,
  23: 2.6 s, 31: 5.7 s.  Hence the caps ``MAX_LAW_TUPLES`` (here) and ``MAX_SIZE``
  (``model_families``): one certificate stays under about 3 s.  For comparison ``cases`` needs
  2 s for 125 goals and would need about 35 s for 13³.

Before proving ``a``, the certificate looks for a *stronger* law with fewer variables that the
model satisfies: ``a`` with every occurrence of a sub-term replaced by a fresh variable (e.g.
``x = (y ◇ x) ◇ (x ◇ (z ◇ w))`` → ``x = (y ◇ x) ◇ (x ◇ v)``).  ``a`` is then an instance of it,
so proving it over ``n^{k'}`` tuples and instantiating proves ``a`` with fewer tuples.
"""

from __future__ import annotations

import itertools

import attrs

from tactic_mesh.calculus.magma.equations import Equation, Term, evaluate, show
from tactic_mesh.calculus.magma.terms import ordered_variables, substitute, subterms
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.symbolic.admit import admit
from tactic_mesh.symbolic.finite_models import FiniteModel

_counter = itertools.count()

# `auto` proves the law by `cases` up to this many goals (the certificate of the size ≤ 4 models
# stays the simple one); beyond it by reflection, which is cheaper from about 30 goals on.
CASES_MAX_GOALS = 16
# The largest law check (tuples to evaluate, n^k' after strengthening) a caller should hand to
# `refute`: about 1 ms a tuple for a law with ≤ 4 operations plus the fixed part, so a 3-variable
# law on 13 elements (2,197 tuples) costs 2.5 s.  `symbolic.model_families` skips models above
# it; `refute` itself accepts any size.
MAX_LAW_TUPLES = 2_500


@attrs.frozen
class Refutation:
    statement_text: str
    theory: str  # the certificate, as a theory file
    theorem: str  # the refutation's name in it
    checked_by: str = "kernel"


def implication_text(a: Equation, b: Equation, carrier: str = "G") -> str:
    """``∀ (G : Type) [Magma G], (∀ xs : G, a) → ∀ ys : G, b``."""
    return (f"∀ ({carrier} : Type) [Magma {carrier}], ({forall_text(a, carrier)}) → {forall_text(b, carrier)}")


def forall_text(eq: Equation, carrier: str) -> str:
    """``∀ xs : carrier, lhs = rhs``."""
    names = " ".join(eq.variables())
    return f"∀ {names} : {carrier}, {show(eq.lhs, top=True)} = {show(eq.rhs, top=True)}"


def _op_text(model: FiniteModel, carrier: str) -> str:
    elems = [f"{carrier}.e{i}" for i in range(model.size)]
    rec = f"{carrier}.rec (motive := fun _ => {carrier})"
    rows = [f"({rec} {' '.join(elems[model.table[i][j]] for j in range(model.size))} y)" for i in range(model.size)]
    return f"{rec} {' '.join(rows)} x"


# -- strengthening: a law with fewer variables that implies `a` ------------------------------------

def _replace(t: Term, old: Term, new: str) -> Term:
    if t == old:
        return new
    if isinstance(t, str):
        return t
    return (_replace(t[0], old, new), _replace(t[1], old, new))


def strengthen(a: Equation, model: FiniteModel) -> tuple[Equation, dict[str, Term]]:
    """The law with the fewest variables found greedily by replacing every occurrence of one
    sub-term of ``a`` by a fresh variable, as long as ``model`` satisfies it, and the substitution
    (fresh variable ↦ sub-term of ``a``) that turns it back into ``a``.  ``(a, {})`` when no
    replacement lowers the number of variables."""
    current, subst = a, dict[str, Term]()
    used = set(a.variables())
    fresh = (f"v{i}" for i in itertools.count() if f"v{i}" not in used)
    while True:
        # the distinct compound sub-terms, outermost and leftmost first
        candidates = list(dict.fromkeys(s for side in (current.lhs, current.rhs) for _, s in subterms(side)
                                        if isinstance(s, tuple)))
        best: tuple[Equation, str, Term] | None = None
        name = next(fresh)
        for s in candidates:
            cand = Equation(_replace(current.lhs, s, name), _replace(current.rhs, s, name))
            if len(cand.variables()) >= len((best[0] if best else current).variables()):
                continue
            if model.satisfies(cand):
                best = (cand, name, s)
        if best is None:
            return current, subst
        current = best[0]
        subst[best[1]] = substitute(best[2], subst)  # in terms of a's own variables


def law_tuples(a: Equation, model: FiniteModel) -> int:
    """How many tuples the certificate's law check evaluates (``n^k'`` for the strengthened law)."""
    return int(model.size ** len(strengthen(a, model)[0].variables()))


# -- the theory -----------------------------------------------------------------------------------

def refutation_theory(a: Equation, b: Equation, model: FiniteModel, method: str = "auto") -> Refutation:
    """The certificate (not yet checked).  ``method``: ``cases``, ``reflection`` or ``auto``
    (``cases`` up to ``CASES_MAX_GOALS`` goals, else ``reflection``)."""
    if method not in ("auto", "cases", "reflection"):
        raise ValueError(f"unknown method {method!r}")
    k = next(_counter)
    m = f"CounterMagma{k}"
    env = dict(model.witness)
    i, j = evaluate(b.lhs, env, model.table), evaluate(b.rhs, env, model.table)
    if i == j:
        raise ValueError("the model does not refute b at its witness")
    motive = " ".join("True" if c == i else "False" for c in range(model.size))
    args = " ".join(f"{m}.e{env[v]}" for v in b.variables())
    statement = f"¬ ({implication_text(a, b)})"
    if method == "auto":
        method = "cases" if model.size ** len(a.variables()) <= CASES_MAX_GOALS else "reflection"
    head = [
        f"inductive {m} : Type where",
        *(f"  | e{c} : {m}" for c in range(model.size)),
        "",
    ]
    if method == "cases":
        names_a = " ".join(a.variables())
        cases = " <;> ".join(f"cases {v}" for v in a.variables())
        body = [
            f"def {m}.op (x y : {m}) : {m} :=",
            f"  {_op_text(model, m)}",
            "",
            f"instance instMagma{m} : Magma {m} := ⟨{m}.op⟩",
            "",
            f"theorem {m}.law : {forall_text(a, m)} := by",
            f"  intro {names_a}",
            f"  {cases} <;> rfl",
            "",
        ]
    else:
        body = _reflection_lines(a, model, m)
    tail = [
        f"theorem {m}.ne : {m}.e{i} ≠ {m}.e{j} :=",
        f"  fun h => Eq.rec (motive := fun b _ => {m}.rec (motive := fun _ => Prop) {motive} b) True.intro h",
        "",
        *refutation_lines(f"{m}.refutation", statement, m, f"{m}.law", f"{m}.ne", args),
    ]
    return Refutation(statement, "\n".join(head + body + tail), f"{m}.refutation")


def refutation_lines(name: str, statement: str, carrier: str, law: str, fails: str, args: str) -> list[str]:
    """``theorem name : ¬ (…) := fun h => fails (h carrier law args)``: the hypothesis, given the
    model and the proof that ``a`` holds in it, yields ``b`` at the witness, which ``fails`` refutes."""
    return [f"theorem {name} : {statement} :=", f"  fun h => {fails} (h {carrier} {law} {args})", ""]


def _and_tree(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    mid = len(items) // 2
    return f"Bool.and ({_and_tree(items[:mid])}) ({_and_tree(items[mid:])})"


def _and_leaf(m: str, c: int, lo: int, hi: int, proof: str) -> str:
    """The proof that conjunct ``c`` of ``_and_tree(items[lo:hi])`` is true, from ``proof``."""
    while hi - lo > 1:
        mid = lo + (hi - lo) // 2
        if c < mid:
            proof, hi = f"({m}.and_left _ _ {proof})", mid
        else:
            proof, lo = f"({m}.and_right _ _ {proof})", mid
    return proof


def _on_carrier(t: Term, m: str) -> str:
    if isinstance(t, str):
        return t
    return f"({m}.op {_on_carrier(t[0], m)} {_on_carrier(t[1], m)})"


def _on_nat(t: Term, m: str, leaf: dict[str, str]) -> str:
    if isinstance(t, str):
        return leaf.get(t, t)
    return f"({m}.T {_on_nat(t[0], m, leaf)} {_on_nat(t[1], m, leaf)})"


def _eval_proof(t: Term, m: str) -> str:
    """A proof of ``toNat ⟦t⟧ = ⟦t⟧_T`` (the carrier's value read as a numeral, and the value
    computed with ``T`` from the numerals of the variables)."""
    if isinstance(t, str):
        return f"(Eq.refl ({m}.toNat {t}))"
    nat = {v: f"({m}.toNat {v})" for v in ordered_variables(t)}
    left, right = _on_carrier(t[0], m), _on_carrier(t[1], m)
    return (f"(Eq.trans ({m}.toNat_op {left} {right}) ({m}.congrT ({m}.toNat {left}) {_on_nat(t[0], m, nat)} "
            f"({m}.toNat {right}) {_on_nat(t[1], m, nat)} {_eval_proof(t[0], m)} {_eval_proof(t[1], m)}))")


def _reflection_lines(a: Equation, model: FiniteModel, m: str) -> list[str]:
    n = model.size
    strong, subst = strengthen(a, model)
    names = list(strong.variables())
    big = sum(model.table[r][s] * n ** (r * n + s) for r in range(n) for s in range(n))
    leaves = " ".join(_and_leaf(m, c, 0, n, "h") for c in range(n))
    ofnat = f"{m}.e{n - 1}"
    for c in range(n - 2, -1, -1):
        ofnat = f"Bool.rec (motive := fun _ => {m}) ({ofnat}) {m}.e{c} (Nat.beq k {c})"

    def pred(d: int) -> str:
        """The predicate over variable ``d`` of the check, the earlier ones read from the carrier."""
        leaf = {v: f"({m}.toNat {v})" for v in names[:d]}
        inner = f"Nat.beq {_on_nat(strong.lhs, m, leaf)} {_on_nat(strong.rhs, m, leaf)}"
        for e in range(len(names) - 1, d, -1):
            inner = f"{m}.allN (fun ({names[e]} : Nat) => {inner})"
        return f"(fun ({names[d]} : Nat) => {inner})"

    chain = f"{m}.check_ok"
    for d in range(len(names)):
        chain = f"({m}.allN_sound {pred(d)} {chain} {names[d]})"
    nat = {v: f"({m}.toNat {v})" for v in names}
    left, right = _on_carrier(strong.lhs, m), _on_carrier(strong.rhs, m)
    link = f"Nat.beq ({m}.toNat ({m}.op u v)) ({m}.T ({m}.toNat u) ({m}.toNat v))"
    lines = [
        f"def {m}.op : {m} → {m} → {m} :=",
        f"  {_op_free_text(model, m)}",
        "",
        f"instance instMagma{m} : Magma {m} := ⟨{m}.op⟩",
        "",
        f"theorem {m}.and_left (a b : Bool) (h : Bool.and a b = Bool.true) : a = Bool.true :=",
        "  Bool.rec (motive := fun a => Bool.and a b = Bool.true → a = Bool.true) (fun h => h) (fun _ => rfl) a h",
        "",
        f"theorem {m}.and_right (a b : Bool) (h : Bool.and a b = Bool.true) : b = Bool.true :=",
        "  Bool.rec (motive := fun a => Bool.and a b = Bool.true → b = Bool.true)",
        "    (fun h => False.elim (Bool.false_ne_true h)) (fun h => h) a h",
        "",
        f"theorem {m}.nat_eq_of_beq (a : Nat) : ∀ b : Nat, Nat.beq a b = Bool.true → a = b :=",
        "  Nat.rec (motive := fun a => ∀ b : Nat, Nat.beq a b = Bool.true → a = b)",
        "    (fun b => Nat.rec (motive := fun b => Nat.beq 0 b = Bool.true → 0 = b) (fun _ => rfl)",
        "      (fun k _ h => False.elim (Bool.false_ne_true h)) b)",
        "    (fun a ih b => Nat.rec (motive := fun b => Nat.beq (Nat.succ a) b = Bool.true → Nat.succ a = b)",
        "      (fun h => False.elim (Bool.false_ne_true h)) (fun k _ h => congrArg Nat.succ (ih k h)) b) a",
        "",
        f"def {m}.toNat : {m} → Nat := {m}.rec (motive := fun _ => Nat) {' '.join(str(c) for c in range(n))}",
        "",
        f"def {m}.ofNat (k : Nat) : {m} := {ofnat}",
        "",
        f"theorem {m}.ofNat_toNat (x : {m}) : {m}.ofNat ({m}.toNat x) = x :=",
        f"  {m}.rec (motive := fun x => {m}.ofNat ({m}.toNat x) = x) {' '.join(['rfl'] * n)} x",
        "",
        f"theorem {m}.eq_of_toNat (x y : {m}) (h : {m}.toNat x = {m}.toNat y) : x = y :=",
        f"  Eq.trans (Eq.symm ({m}.ofNat_toNat x)) (Eq.trans (congrArg {m}.ofNat h) ({m}.ofNat_toNat y))",
        "",
        f"def {m}.all (p : {m} → Bool) : Bool := {_and_tree([f'(p {m}.e{c})' for c in range(n)])}",
        "",
        f"theorem {m}.all_sound (p : {m} → Bool) (h : {m}.all p = Bool.true) (x : {m}) : p x = Bool.true :=",
        f"  {m}.rec (motive := fun x => p x = Bool.true) {leaves} x",
        "",
        f"def {m}.allN (p : Nat → Bool) : Bool := {_and_tree([f'(p {c})' for c in range(n)])}",
        "",
        f"theorem {m}.allN_sound (p : Nat → Bool) (h : {m}.allN p = Bool.true) (x : {m}) :",
        f"    p ({m}.toNat x) = Bool.true :=",
        f"  {m}.rec (motive := fun x => p ({m}.toNat x) = Bool.true) {leaves} x",
        "",
        f"def {m}.T (i j : Nat) : Nat := Nat.mod (Nat.div {big} (Nat.pow {n} (Nat.add (Nat.mul i {n}) j))) {n}",
        "",
        f"theorem {m}.congrT (a b c d : Nat) (h₁ : a = b) (h₂ : c = d) : {m}.T a c = {m}.T b d :=",
        f"  Eq.trans (congrArg (fun t => {m}.T t c) h₁) (congrArg ({m}.T b) h₂)",
        "",
        f"def {m}.link : Bool := {m}.all (fun u => {m}.all (fun v => {link}))",
        "",
        f"theorem {m}.link_ok : {m}.link = Bool.true := rfl",
        "",
        f"theorem {m}.toNat_op (u v : {m}) : {m}.toNat ({m}.op u v) = {m}.T ({m}.toNat u) ({m}.toNat v) :=",
        f"  {m}.nat_eq_of_beq ({m}.toNat ({m}.op u v)) ({m}.T ({m}.toNat u) ({m}.toNat v))",
        f"    ({m}.all_sound (fun v => {link}) ({m}.all_sound (fun u => {m}.all (fun v => {link})) {m}.link_ok u) v)",
        "",
        f"def {m}.check : Bool := {m}.allN {pred(0)}",
        "",
        f"theorem {m}.check_ok : {m}.check = Bool.true := rfl",
        "",
        f"theorem {m}.strong : {forall_text(strong, m)} :=",
        f"  fun {' '.join(names)} => {m}.eq_of_toNat {left} {right} (Eq.trans {_eval_proof(strong.lhs, m)}",
        f"    (Eq.trans ({m}.nat_eq_of_beq {_on_nat(strong.lhs, m, nat)} {_on_nat(strong.rhs, m, nat)} {chain})",
        f"      (Eq.symm {_eval_proof(strong.rhs, m)})))",
        "",
        f"theorem {m}.law : {forall_text(a, m)} :=",
        f"  fun {' '.join(a.variables())} => {m}.strong {' '.join(_arg(subst.get(v, v)) for v in names)}",
        "",
    ]
    return lines


def _arg(t: Term) -> str:
    return t if isinstance(t, str) else show(t)


def _op_free_text(model: FiniteModel, m: str) -> str:
    """The operation as a closed term (no bound variables to substitute when it unfolds)."""
    n = model.size
    rows = [f"({m}.rec (motive := fun _ => {m}) {' '.join(f'{m}.e{model.table[r][s]}' for s in range(n))})"
            for r in range(n)]
    return f"{m}.rec (motive := fun _ => {m} → {m}) {' '.join(rows)}"


def check_refutation(refutation: Refutation, env: Environment | None = None) -> Environment:
    """Admit the certificate through the kernel; the environment with it (raises
    ``TacticMeshError`` naming the first declaration the kernel or the elaborator refuses)."""
    return admit(refutation.theory, "refutation", env)


def refute(a: Equation, b: Equation, model: FiniteModel, method: str = "auto") -> Refutation:
    """The kernel-checked refutation of ``a ⇒ b`` by ``model``."""
    refutation = refutation_theory(a, b, model, method)
    check_refutation(refutation)
    return refutation


__all__ = [
    "CASES_MAX_GOALS",
    "MAX_LAW_TUPLES",
    "Refutation",
    "Term",
    "check_refutation",
    "forall_text",
    "implication_text",
    "law_tuples",
    "refutation_lines",
    "refutation_theory",
    "refute",
    "strengthen",
]
