"""The law catalogue (DESIGN §6) as data: every law of ``monad_laws`` and ``structure_laws``, and,
for each claimed law with a side condition that no unclaimed law already refutes, its variant
without the side condition (``Law.unconditional``), which the checker must refute."""

from __future__ import annotations

from tactic_mesh.laws.law import Law
from tactic_mesh.laws.monad_laws import MONAD_LAWS
from tactic_mesh.laws.structure_laws import STRUCTURE_LAWS


def _with_variants(laws: tuple[Law, ...]) -> tuple[Law, ...]:
    out: list[Law] = []
    for law in laws:
        out.append(law)
        if law.claimed and law.conditional and not law.refuted_by:
            out.append(law.unconditional())
    return tuple(out)


LAWS: tuple[Law, ...] = _with_variants(MONAD_LAWS + STRUCTURE_LAWS)


def law_named(name: str) -> Law:
    for law in LAWS:
        if law.name == name:
            return law
    raise KeyError(f"no law named '{name}' (known: {', '.join(law.name for law in LAWS)})")
