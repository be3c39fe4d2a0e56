"""Tactics that elaborate a given term against the main goal: ``exact e``, ``refine e`` (its ``?_``
holes become goals), ``show t`` and ``have h : T (:= e)``.  They take their argument from the
user; the search reaches them through other families (``assumption``, ``apply``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tactic_mesh.calculus.combinators import exact, refine
from tactic_mesh.calculus.tactic_syntax import TacticCall, TacticError, loc
from tactic_mesh.calculus.tactics.common import need
from tactic_mesh.calculus.tactics.registry import TacticSpec, register
from tactic_mesh.calculus.terms import Term

if TYPE_CHECKING:
    from tactic_mesh.typing.derived import Checker
    from tactic_mesh.typing.interface import Interface
    from tactic_mesh.typing.judgment import Delta, Typed


def _have(arg: str, call: TacticCall) -> Term:
    """``have h : T := e`` adds ``h`` to the goal.  ``have h : T`` leaves two goals, as Lean's:
    ``T`` first, then the main goal with ``h`` (the prelude's ``letFun ?_ (fun h => ?_)``)."""
    head, sep, proof = arg.partition(":=")
    name, colon, ty = head.partition(":")
    if not colon or not name.strip() or not ty.strip():
        raise TacticError("have: expected `have h : T := e` or `have h : T`", loc(call))
    name, ty = name.strip(), ty.strip()
    if sep:
        return refine(f"(fun ({name} : {ty}) => ?_) ({proof.strip()})")
    return refine(f"letFun (?_ : {ty}) (fun ({name} : {ty}) => ?_)")


def _typing_exact(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.with_arg(c, iface, path, ck.REFINE, lambda text, p: ck.exact_children(text, p, c, path))


def _typing_refine(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.with_arg(c, iface, path, ck.REFINE, lambda text, p: ck.refine_children(text, p, c, path))


def _typing_show(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.with_arg(c, iface, path, ck.REFINE, lambda text, p: ck.show_children(text, p, c, path))


def _typing_have(ck: Checker, c: TacticCall, iface: Interface, delta: Delta, path: str) -> Typed:
    return ck.on_main(c, iface, path, ck.REFINE, lambda p: ck.have_children(p, c, path))


register(
    TacticSpec("exact", lambda c, s: exact(need(c.arg, c)), _typing_exact, summary="close the goal with a term"),
    TacticSpec("refine", lambda c, s: refine(need(c.arg, c)), _typing_refine,
               summary="a term with `?_` holes; the holes become goals"),
    TacticSpec("show", lambda c, s: refine(f"(?_ : {need(c.arg, c)})"), _typing_show,
               summary="restate the goal (up to defeq)"),
    TacticSpec("have", lambda c, s: _have(need(c.arg, c), c), _typing_have, summary="add a hypothesis"),
)
