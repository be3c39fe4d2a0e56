"""Hypothesis strategies for tactic programs, shared by the DSL and the JSON codec tests."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tactic_mesh.calculus.terms import (
    Bind,
    Choice,
    Contract,
    Fail,
    Fix,
    Focus,
    Foreign,
    Handle,
    Op,
    Policy,
    Pure,
    Rec,
    Scoped,
    Term,
    Value,
    VExpr,
    VGoal,
    VList,
    VName,
    VNum,
    VRecord,
    VStr,
    VSurface,
    VUnit,
    VVar,
)
from tactic_mesh.kernel.expr import Expr

ANY_CHAR = st.characters(codec=None, exclude_categories=())  # surrogates and control characters too


def derandomized(max_examples: int) -> settings:
    return settings(
        derandomize=True,
        database=None,
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


def programs(
    text: st.SearchStrategy[str],
    names: st.SearchStrategy[str],
    ints: st.SearchStrategy[int],
    counts: st.SearchStrategy[int | None],
    exprs: st.SearchStrategy[Expr] | None = None,
    surfaces: st.SearchStrategy[str] | None = None,
    value_leaves: int = 10,
    term_leaves: int = 14,
) -> tuple[st.SearchStrategy[Value], st.SearchStrategy[Term], st.SearchStrategy[Term]]:
    """Values, leaf programs and programs over every node class (``VExpr`` only when ``exprs`` is given); ``names``
    for binders and variables, ``text`` for every other string."""
    leaves: list[st.SearchStrategy[Value]] = [
        st.just(VUnit()),
        st.builds(VGoal, text),
        st.builds(VName, names),
        st.builds(VNum, ints),
        st.builds(VStr, text),
        st.builds(VSurface, surfaces if surfaces is not None else text),
        st.builds(VVar, names),
    ]
    if exprs is not None:
        leaves.append(st.builds(VExpr, exprs))
    values: st.SearchStrategy[Value] = st.recursive(
        st.one_of(*leaves),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4).map(lambda xs: VList(tuple(xs))),
            st.lists(st.tuples(names, inner), max_size=4).map(lambda fs: VRecord(tuple(fs))),
        ),
        max_leaves=value_leaves,
    )
    contracts = st.builds(Contract, st.frozensets(text, max_size=3), counts, counts, text, text, st.booleans())
    leaf_terms: st.SearchStrategy[Term] = st.one_of(
        st.builds(Pure, values),
        st.builds(Fail, values),
        st.builds(Rec, names),
        st.builds(Op, names, st.lists(values, max_size=3).map(tuple)),
        st.builds(Foreign, text, values, contracts),
    )
    terms: st.SearchStrategy[Term] = st.recursive(
        leaf_terms,
        lambda inner: st.one_of(
            st.builds(Bind, names, inner, inner),
            st.builds(Bind, st.just("_"), inner, inner),
            st.builds(
                Choice, st.sampled_from(Policy), st.lists(inner, max_size=4).map(tuple), st.one_of(st.just(""), text)
            ),
            st.builds(Scoped, text, inner),
            st.builds(Focus, text, inner),
            st.builds(Handle, text, inner),
            st.builds(Fix, names, inner),
        ),
        max_leaves=term_leaves,
    )
    return values, leaf_terms, terms
