"""What ``ndjson_check`` needs for inductive blocks: the features it declines (nested occurrences),
the information Lean derives (``isReflexive``), and the comparison of an exported recursor with
the one our kernel generated.

An external checker does not trust an export's recursor: the kernel (``kernel/inductive.py``)
generates ``I.rec`` and its iota rules from the inductive type and its constructors, and the
exported recursor must then be the same — its type, each rule's constructor, field count and
right-hand side, and its numbers and K flag — up to the names of bound variables (and binder
annotations, which do not affect typing) and a renaming of its universe parameters.

One more allowance: Lean's inductive checker builds the recursor's binders with
``consumeTypeAnnotations``, which drops the type annotations ``outParam α`` / ``semiOutParam α``
/ ``optParam α d`` / ``autoParam α t`` (to ``α``) at the head of each binder type, while our kernel
keeps the binder types as declared.  So binder types are compared with those wrappers dropped on
both sides — for each wrapper only when the environment defines it as the identity it is in
Lean's prelude (``fun α => α``, ``fun α _ => α``), so that the two types are definitionally equal.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from tactic_mesh.kernel import level as lv
from tactic_mesh.kernel.environment import DefinitionInfo, Environment, InductiveInfo, RecursorInfo
from tactic_mesh.kernel.expr import (
    App,
    Binding,
    BVar,
    Const,
    Expr,
    Lam,
    Let,
    Pi,
    Sort,
    collect_consts,
    get_app_fn_args,
    instantiate_level_params,
)


@attrs.frozen
class ExportedRule:
    ctor: str
    nfields: int
    rhs: Expr


@attrs.frozen
class ExportedRecursor:
    """An exported recursor with its expressions translated (level parameters as written)."""

    name: str
    level_params: tuple[str, ...]
    type: Expr
    all: tuple[str, ...]
    num_params: int
    num_indices: int
    num_motives: int
    num_minors: int
    rules: tuple[ExportedRule, ...]
    k: bool


# wrapper name -> its number of arguments (the annotated type is the first)
ANNOTATIONS = {"outParam": 1, "semiOutParam": 1, "optParam": 2, "autoParam": 2}


def identity_annotations(env: Environment) -> dict[str, int]:
    """The annotation wrappers ``env`` defines as identities: ``outParam := fun α => α`` (one
    argument), ``optParam := fun α _ => α`` (two)."""
    out: dict[str, int] = {}
    for name, arity in ANNOTATIONS.items():
        info = env.find(name)
        if not isinstance(info, DefinitionInfo):
            continue
        body = info.value
        for _ in range(arity):
            if not isinstance(body, Lam):
                break
            body = body.body
        else:
            if body is BVar(arity - 1):
                out[name] = arity
    return out


def consume_annotations(e: Expr, wrappers: dict[str, int]) -> Expr:
    """``e`` without the annotation wrappers (of ``wrappers``) at its head, as Lean's
    ``consumeTypeAnnotations``."""
    while wrappers and isinstance(e, App):
        head, args = get_app_fn_args(e)
        if not isinstance(head, Const) or wrappers.get(head.name) != len(args):
            break
        e = args[0]
    return e


def same_up_to_names(a: Expr, b: Expr, wrappers: dict[str, int] | None = None) -> bool:
    """Structural equality up to binder names and binder infos; universe levels are compared up to
    equivalence (``max u v`` = ``max v u``); binder types without the annotation ``wrappers`` at
    their head.  Iterative, so deep terms are fine."""
    strip = wrappers or {}
    seen: set[tuple[int, int]] = set()
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        key = (id(x), id(y))
        if key in seen:
            continue
        seen.add(key)
        if type(x) is not type(y):
            return False
        if isinstance(x, App):
            assert isinstance(y, App)
            stack.append((x.fn, y.fn))
            stack.append((x.arg, y.arg))
        elif isinstance(x, Binding):
            assert isinstance(y, Binding)
            stack.append((consume_annotations(x.type, strip), consume_annotations(y.type, strip)))
            stack.append((x.body, y.body))
        elif isinstance(x, Let):
            assert isinstance(y, Let)
            stack.extend(((x.type, y.type), (x.value, y.value), (x.body, y.body)))
        elif isinstance(x, Sort):
            assert isinstance(y, Sort)
            if not lv.is_equiv(x.level, y.level):
                return False
        elif isinstance(x, Const):
            assert isinstance(y, Const)
            if x.name != y.name or len(x.levels) != len(y.levels):
                return False
            if not all(lv.is_equiv(p, q) for p, q in zip(x.levels, y.levels, strict=True)):
                return False
        else:  # hash-consed leaves (BVar, NatLit, ...) that are not identical differ
            return False
    return True


def compare_recursor(
    ours: RecursorInfo, theirs: ExportedRecursor, wrappers: dict[str, int] | None = None
) -> str | None:
    """Why the exported recursor is not the one the kernel generated (None: it is).  ``wrappers``:
    the annotations to drop from binder types (``identity_annotations``)."""
    if theirs.name != ours.name:
        return f"the recursor of '{ours.induct}' is '{ours.name}', not '{theirs.name}'"
    if len(set(theirs.level_params)) != len(theirs.level_params):
        return "duplicate universe parameter"
    if len(theirs.level_params) != len(ours.level_params):
        return (f"it has {len(theirs.level_params)} universe parameter(s), the generated recursor "
                f"{len(ours.level_params)}")
    numbers = (("numParams", theirs.num_params, ours.num_params),
               ("numIndices", theirs.num_indices, ours.num_indices),
               ("numMotives", theirs.num_motives, ours.num_motives),
               ("numMinors", theirs.num_minors, ours.num_minors))  # fmt: skip
    for label, given_n, expected_n in numbers:
        if given_n != expected_n:
            return f"{label} is {given_n}, the generated recursor has {expected_n}"
    if theirs.k != ours.k:
        return f"k is {str(theirs.k).lower()}, the generated recursor has k = {str(ours.k).lower()}"
    if theirs.all != (ours.induct,):
        return f"'all' is [{', '.join(theirs.all)}], expected [{ours.induct}]"
    renaming = [lv.LParam(u) for u in ours.level_params]

    def rename(e: Expr) -> Expr:
        return instantiate_level_params(e, theirs.level_params, renaming)

    if not same_up_to_names(rename(theirs.type), ours.type, wrappers):
        return "its type differs from the generated recursor's type"
    if len(theirs.rules) != len(ours.rules):
        return f"it has {len(theirs.rules)} rule(s), the generated recursor {len(ours.rules)}"
    for i, (given, expected) in enumerate(zip(theirs.rules, ours.rules, strict=True)):
        if given.ctor != expected.constructor:
            return f"rule {i} is for '{given.ctor}', expected '{expected.constructor}'"
        if given.nfields != expected.num_fields:
            return (f"the rule for '{given.ctor}' has nfields = {given.nfields}, the constructor has "
                    f"{expected.num_fields} field(s)")
        if not same_up_to_names(rename(given.rhs), expected.rhs, wrappers):
            return f"the right-hand side of the rule for '{given.ctor}' differs from the generated one"
    return None


def is_reflexive(ind_name: str, ctor_types: Sequence[Expr]) -> bool:
    """Lean's ``isReflexive``: some constructor argument is a function type mentioning the family."""
    for t in ctor_types:
        while isinstance(t, Pi):
            if isinstance(t.type, Pi) and ind_name in collect_consts(t.type):
                return True
            t = t.body
    return False


def nested_occurrence(env: Environment, ind_name: str, ctor_types: Sequence[Expr]) -> str | None:
    """The first constructor argument whose type is another inductive applied to arguments that
    mention the family (a nested inductive, e.g. ``List I``), as ``"J"`` — None if there is none."""
    for t in ctor_types:
        while isinstance(t, Pi):
            dom = t.type
            while isinstance(dom, Pi):
                dom = dom.body
            head, args = get_app_fn_args(dom)
            if (
                isinstance(head, Const)
                and head.name != ind_name
                and isinstance(env.find(head.name), InductiveInfo)
                and any(ind_name in collect_consts(a) for a in args)
            ):
                return head.name
            t = t.body
    return None
