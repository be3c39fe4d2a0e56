"""Admitting declarations: the one way anything enters an ``Environment`` (DESIGN §3).

An axiom's type, a definition's or theorem's type and value, and an inductive family
(``kernel/inductive.py``) are checked by the type checker before ``Unsafe.add_checked`` adds
them; this module sits above both so that neither imports the other back.
"""

from __future__ import annotations

from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.environment import (
    AxiomDecl,
    AxiomInfo,
    ConstantInfo,
    Declaration,
    DefinitionDecl,
    DefinitionInfo,
    Environment,
    InductiveDecl,
    TheoremDecl,
    TheoremInfo,
    Unsafe,
)
from tactic_mesh.kernel.errors import KernelError
from tactic_mesh.kernel.expr import Const, subterms
from tactic_mesh.kernel.inductive import check_inductive
from tactic_mesh.kernel.typechecker import _check_closed, _check_header, _show, definition_height, is_prop_sort


def add_decl(env: Environment, decl: Declaration) -> Environment:
    """Type-check ``decl`` and return the extended environment (the only way in).

    Runs with a large stack (:func:`~tactic_mesh.kernel.deep.run_deep`), so deep terms end in a
    result or a ``KernelError``, never in ``RecursionError``."""
    return run_deep(_add_decl, env, decl)


def _add_decl(env: Environment, decl: Declaration) -> Environment:
    if isinstance(decl, AxiomDecl):
        _check_header(env, decl.name, decl.level_params, decl.type)
        return Unsafe.add_checked(env, (AxiomInfo(decl.name, decl.level_params, decl.type),))
    if isinstance(decl, (DefinitionDecl, TheoremDecl)):
        tc = _check_header(env, decl.name, decl.level_params, decl.type)
        _check_closed(decl.value, f"the value of '{decl.name}'")
        if isinstance(decl, TheoremDecl) and not is_prop_sort(tc.whnf(tc.infer(decl.type))):
            raise KernelError(f"theorem '{decl.name}': its type is not a proposition")
        value_type = tc.infer(decl.value)
        if not tc.is_def_eq(value_type, decl.type):
            raise KernelError(
                f"'{decl.name}': the value has type {_show(value_type)} "
                f"but is declared to have type {_show(decl.type)}"
            )
        info: ConstantInfo
        if isinstance(decl, TheoremDecl):
            info = TheoremInfo(decl.name, decl.level_params, decl.type, decl.value)
        else:
            if decl.name in {c.name for c in subterms(decl.value) if isinstance(c, Const)}:
                raise KernelError(f"'{decl.name}' refers to itself (use a recursor)")
            info = DefinitionInfo(
                decl.name,
                decl.level_params,
                decl.type,
                decl.value,
                decl.reducibility,
                definition_height(env, decl.value),
            )
        return Unsafe.add_checked(env, (info,))
    if isinstance(decl, InductiveDecl):
        return check_inductive(env, decl)
    raise KernelError(f"unknown declaration kind {type(decl).__name__}")  # pragma: no cover
