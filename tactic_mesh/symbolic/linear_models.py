"""Infinite counter-models over ℤ: ``x ◇ y = p·x + q·y + k``, with kernel-checked refutations.

In such a magma every term is an affine form in its variables, with coefficients that are
products of ``p`` and ``q`` (one factor per step left or right from the root).  A law holds iff
both sides have the same form — a polynomial identity — and fails somewhere iff the forms differ:
then at all variables 0 (constants differ) or at the one variable whose coefficients differ set to
1 and the rest 0.  The search below tries small coefficients in Python; it is only a candidate
until the kernel has checked the certificate:

* the theory ``proofs/linear.tm`` (``Int``, the operation ``Lin.op``, the normaliser ``Lin.nf`` and
  its soundness ``Lin.law``), checked once per process on top of the prelude;
* the certificate proper: the ``Magma Int`` instance, ``a`` for every element by ``Lin.law`` —
  the equality of the two normal forms is closed and proved by ``rfl``, i.e. the kernel computes
  it (normalisation, not enumeration: the cost does not depend on any carrier size) — ``b``
  failing at the witness by evaluation, and the refutation
  ``¬ (∀ (G : Type) [Magma G], (∀ xs, a) → ∀ ys, b)``.

The certificate written out (``Refutation.theory``) is the theory followed by the certificate
proper, so ``tactic-mesh check FILE`` re-checks it from the prelude alone.
"""

from __future__ import annotations

import functools
import itertools
from importlib import resources

import attrs

from tactic_mesh.calculus.magma.equations import Equation, Term
from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.prelude import prelude
from tactic_mesh.symbolic.admit import admit
from tactic_mesh.symbolic.model_families import LinearForm, WordValues, linear_form
from tactic_mesh.symbolic.refutation import Refutation, forall_text, implication_text, refutation_lines

THEORY_FILE = "linear.tm"
MAX_COEFFICIENT = 6  # |p|, |q| searched
CONSTANTS = (0, 1)  # k searched: k only scales the constant terms, so -1 succeeds exactly when 1 does

_counter = itertools.count()


@attrs.frozen
class AffineZ:
    p: int
    q: int
    k: int

    def describe(self) -> str:
        text = f"{self.p}·x {'-' if self.q < 0 else '+'} {abs(self.q)}·y"
        if self.k:
            text += f" {'-' if self.k < 0 else '+'} {abs(self.k)}"
        return f"x ◇ y = {text} over ℤ"

    def apply(self, x: int, y: int) -> int:
        return self.p * x + self.q * y + self.k


Form = tuple[tuple[int, ...], int]  # coefficients of the equation's variables, constant


def difference(eq: Equation | LinearForm, model: AffineZ) -> Form:
    """The affine form ``lhs - rhs`` of ``eq`` in ``model`` (variables in ``eq.variables()``)."""
    form = linear_form(eq) if isinstance(eq, Equation) else eq
    value = WordValues(model.p, model.q).total
    coefficients = tuple(value(left) - value(right) for left, right in form.variables)
    constant = model.k * (value(form.constant[0]) - value(form.constant[1]))
    return coefficients, constant


def holds(eq: Equation | LinearForm, model: AffineZ) -> bool:
    coefficients, constant = difference(eq, model)
    return constant == 0 and not any(coefficients)


def witness(eq: Equation, model: AffineZ, form: LinearForm | None = None) -> dict[str, int] | None:
    """Values (0 or 1) of ``eq``'s variables where it fails in ``model``; None when it holds
    (``form``: ``eq``'s linear form, when the caller has it already)."""
    coefficients, constant = difference(form if form is not None else eq, model)
    names = eq.variables()
    if constant:
        return dict.fromkeys(names, 0)
    for name, c in zip(names, coefficients, strict=True):
        if c:
            return {v: int(v == name) for v in names}
    return None


def evaluate(t: Term, env: dict[str, int], model: AffineZ) -> int:
    stack: list[tuple[Term, bool]] = [(t, False)]
    values: list[int] = []
    while stack:
        cur, done = stack.pop()
        if isinstance(cur, str):
            values.append(env[cur])
        elif done:
            y, x = values.pop(), values.pop()
            values.append(model.apply(x, y))
        else:
            stack.extend(((cur, True), (cur[1], False), (cur[0], False)))
    return values[0]


def find_linear_model(a: Equation, b: Equation, bound: int = MAX_COEFFICIENT) -> tuple[AffineZ, dict[str, int]] | None:
    """The smallest (by ``|p| + |q| + |k|``) affine magma over ℤ with ``|p|, |q| ≤ bound`` in which
    ``a`` holds and ``b`` fails, with values where ``b`` fails — re-evaluated here."""
    candidates = sorted(
        (AffineZ(p, q, k) for p in range(-bound, bound + 1) for q in range(-bound, bound + 1) for k in CONSTANTS),
        key=lambda m: (abs(m.p) + abs(m.q) + abs(m.k), m.p < 0, m.q < 0, m.k < 0, abs(m.p), m.p, m.q),
    )
    form_a, form_b = linear_form(a), linear_form(b)
    for model in candidates:
        if not holds(form_a, model):
            continue
        values = witness(b, model, form_b)
        if values is None:
            continue
        if evaluate(b.lhs, values, model) == evaluate(b.rhs, values, model):  # never trust the algebra
            raise RuntimeError(f"{model.describe()}: the computed witness does not refute {b.text()}")
        return model, values
    return None


# -- the certificate ---------------------------------------------------------------------------------

@functools.cache
def theory_text() -> str:
    return resources.files("tactic_mesh.proofs").joinpath(THEORY_FILE).read_text(encoding="utf-8")


THEORY_SECONDS = 3.0  # about what checking the theory costs, once per process
CERTIFICATE_SECONDS = 0.5  # about what one certificate costs on top of it (laws of ≤ 4 operations)


def seconds_needed() -> float:
    """A rough cost of the next certificate in this process: the theory is checked only once."""
    return CERTIFICATE_SECONDS + (0.0 if theory_env.cache_info().currsize else THEORY_SECONDS)


@functools.cache
def theory_env() -> Environment:
    """The prelude with ``proofs/linear.tm``, checked by the kernel once per process."""
    return admit(theory_text(), "linear-model theory", prelude())


def _parts(n: int) -> tuple[int, int]:
    return (n, 0) if n >= 0 else (0, -n)


def _affine_text(model: AffineZ) -> str:
    parts = [*_parts(model.p), *_parts(model.q), *_parts(model.k)]
    return f"(Lin.Affine.mk {' '.join(map(str, parts))})"


def _tm(t: Term, index: dict[str, int]) -> str:
    if isinstance(t, str):
        return f"(Lin.Tm.var {index[t]})"
    return f"(Lin.Tm.op {_tm(t[0], index)} {_tm(t[1], index)})"


def _int(n: int) -> str:
    return f"(Int.ofNat {n})" if n >= 0 else f"(Int.negSucc {-n - 1})"


def _at(t: Term, values: dict[str, int]) -> str:
    if isinstance(t, str):
        return _int(values[t])
    return f"({_at(t[0], values)} ◇ {_at(t[1], values)})"


def certificate_text(a: Equation, b: Equation, model: AffineZ, values: dict[str, int]) -> tuple[str, str, str]:
    """The declarations after the theory: (text, refutation statement, refutation name)."""
    m = f"LinearModel{next(_counter)}"
    names_a = a.variables()
    index = {v: i for i, v in enumerate(names_a)}
    pad = 2 * len(names_a) + 1  # every normal form is at most this long
    right = evaluate(b.rhs, values, model)
    pos, neg = _parts(right)
    args = " ".join(_int(values[v]) for v in b.variables())
    statement = f"¬ ({implication_text(a, b)})"
    binders = " ".join(f"v{i}" for i in range(len(names_a)))  # fresh: no variable can capture a name
    lines = [
        f"-- {model.describe()}",
        f"instance instMagma{m} : Magma Int := ⟨Lin.op {_affine_text(model)}⟩",
        "",
        f"theorem {m}.law : {forall_text(a, 'Int')} :=",
        f"  fun {binders} => Lin.law {_affine_text(model)} {_tm(a.lhs, index)} {_tm(a.rhs, index)} {pad} rfl",
        f"    [{binders.replace(' ', ', ')}]",
        "",
        f"theorem {m}.fails : {_at(b.lhs, values)} ≠ {_at(b.rhs, values)} :=",
        f"  Int.ne_of_code {_at(b.lhs, values)} {_at(b.rhs, values)} {pos} {neg} rfl rfl",
        "",
        *refutation_lines(f"{m}.refutation", statement, "Int", f"{m}.law", f"{m}.fails", args),
    ]
    return "\n".join(lines), statement, f"{m}.refutation"


def refute_linear(a: Equation, b: Equation, model: AffineZ, values: dict[str, int],
                  env: Environment | None = None) -> Refutation:
    """The refutation of ``a ⇒ b`` by ``model``, admitted by the kernel on top of the theory (raises
    ``TacticMeshError`` naming the declaration refused)."""
    text, statement, name = certificate_text(a, b, model, values)
    admit(text, "linear-model refutation", env if env is not None else theory_env())
    return Refutation(statement, f"{theory_text()}\n{text}", name)


__all__ = [
    "AffineZ",
    "certificate_text",
    "difference",
    "evaluate",
    "find_linear_model",
    "holds",
    "refute_linear",
    "seconds_needed",
    "theory_env",
    "theory_text",
    "witness",
]
