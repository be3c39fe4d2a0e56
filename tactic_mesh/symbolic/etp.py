"""Deciding magma implications (ETP rows) with kernel-checked certificates.

``decide(a, b, budget)`` runs the experts in order and returns a ``Verdict``:

* ``instance`` — ``b`` is an instance of ``a`` (either orientation): proved, by a theorem the
  kernel admits (``symbolic.instances``);
* ``finite-model`` — z3 finds a counter-model of size ≤ 4, re-checked in Python and turned into a
  refutation the kernel admits (``symbolic.finite_models``, ``symbolic.refutation``);
* otherwise ``unknown``, with the reason.

A verdict is ``proved`` or ``refuted`` only when the kernel admitted its certificate; the
certificate is a theory file (``tactic-mesh check`` re-checks it).  An expert that fails (a solver
error, a certificate the kernel refuses) makes the verdict ``unknown`` with that reason — never
``proved`` or ``refuted`` on an expert's word.
"""

from __future__ import annotations

import time

import attrs

from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.symbolic.equations import Equation
from tactic_mesh.symbolic.finite_models import find_counter_model
from tactic_mesh.symbolic.instances import prove_by_instance
from tactic_mesh.symbolic.refutation import implication_text, refute

MAX_MODEL_SIZE = 4


@attrs.frozen
class Verdict:
    verdict: str  # proved | refuted | unknown | error
    expert: str  # who settled it ("" when nobody did)
    seconds: float
    certificate: str = ""  # the theory file the kernel admitted
    checked_by: str = ""  # kernel
    reason: str = ""  # why unknown / error
    statement: str = ""


def decide(a: Equation, b: Equation, budget: float = 10.0) -> Verdict:
    started = time.monotonic()
    statement = implication_text(a, b)

    def elapsed() -> float:
        return time.monotonic() - started

    reasons: list[str] = []
    try:
        proof = prove_by_instance(a, b)
    except TacticMeshError as err:
        proof = None
        reasons.append(f"instance: {err.message}")
    if proof is not None:
        return Verdict("proved", "instance", elapsed(), proof.theory, "kernel", statement=statement)
    reasons.append("instance: the conclusion is not an instance of the hypothesis")
    remaining = budget - elapsed()
    if remaining > 0:
        per_size = max(1, int(1000 * remaining / (MAX_MODEL_SIZE - 1)))
        try:
            model = find_counter_model(a, b, MAX_MODEL_SIZE, per_size)
        except Exception as err:  # z3 errors and wrong models: this expert gives no verdict
            model = None
            reasons.append(f"finite-model: {type(err).__name__}: {err}")
        else:
            if model is None:
                reasons.append(f"finite-model: no counter-model of size ≤ {MAX_MODEL_SIZE} found")
        if model is not None:
            try:
                refutation = refute(a, b, model)
            except TacticMeshError as err:
                reasons.append(f"finite-model: {err.message}")
            else:
                return Verdict("refuted", f"finite-model (size {model.size})", elapsed(), refutation.theory,
                               "kernel", statement=f"¬ ({statement})")
    else:
        reasons.append("finite-model: no time left in the budget")
    return Verdict("unknown", "", elapsed(), reason="; ".join(reasons), statement=statement)
