"""The equational tactics for magma goals (``calculus/equational.py``): ``symm``, ``congr`` and
``eq_search [depth]``, a bounded bidirectional rewrite search whose chain the kernel checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tactic_mesh.calculus import equational
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.tactics.registry import TacticSpec, register

if TYPE_CHECKING:
    from tactic_mesh.typing.derived import Checker
    from tactic_mesh.typing.interface import Interface
    from tactic_mesh.typing.judgment import Delta, Typed


def _typing_symm(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: ck.rfl_children(p, c, path) or (
        ck.with_target(ck.child(p, "symm"), None),))


def _typing_congr(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: ck.rfl_children(p, c, path) or (
        ck.with_target(ck.child(p, "congr.0"), None), ck.with_target(ck.child(p, "congr.1"), None)))


def _typing_search(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: ck.rfl_children(p, c, path))


register(
    TacticSpec("symm", lambda c, s: equational.symm(), _typing_symm, summary="`a = b` becomes `b = a`"),
    TacticSpec("congr", lambda c, s: equational.congr(), _typing_congr,
               summary="`a ◇ b = c ◇ d` becomes `a = c` and `b = d`"),
    TacticSpec("eq_search", lambda c, s: equational.eq_search(c.arg, s), _typing_search,
               summary="a bounded rewrite search with the hypotheses"),
)
