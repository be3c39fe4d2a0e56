"""Content fingerprints of constants (a Merkle hash over a declaration and its dependencies).

The kernel computes ``Nat.add sub mul div mod pow beq ble`` on literals with Python integers.
That shortcut is sound only for the prelude's own definitions, so the type checker enables it for
an operation only when the environment's declaration has exactly the fingerprint recorded in
:data:`tactic_mesh.kernel.natlit.TRUSTED_NAT_OPS` — a user environment that defines its own
``Nat.add`` gets no shortcut, only unfolding.
"""

from __future__ import annotations

import hashlib

from tactic_mesh.kernel.environment import Environment, InductiveInfo
from tactic_mesh.kernel.expr import Expr, collect_consts, digits_of_nat


def expr_text(e: Expr) -> str:
    # a canonical, deterministic rendering: node classes and arguments in DAG order
    index: dict[int, int] = {}
    parts: list[str] = []
    order = postorder(e)
    for i, sub in enumerate(order):
        index[id(sub)] = i
        fields = []
        for arg in sub.args():
            if isinstance(arg, Expr):
                fields.append(f"#{index[id(arg)]}")
            else:
                fields.append(digits_of_nat(arg) if isinstance(arg, int) and arg >= 0 else repr(arg))
        parts.append(f"{type(sub).__name__}({','.join(fields)})")
    return ";".join(parts)


def postorder(e: Expr) -> list[Expr]:
    out: list[Expr] = []
    seen: set[int] = set()
    stack: list[tuple[Expr, bool]] = [(e, False)]
    while stack:
        cur, done = stack.pop()
        if done:
            out.append(cur)
            continue
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        stack.append((cur, True))
        for child in reversed(cur.children()):
            if id(child) not in seen:
                stack.append((child, False))
    return out


# fingerprints per declaration object: a declaration object belongs to one environment lineage, in
# which the constants it depends on never change, so its fingerprint is a property of the object
_by_object: dict[int, tuple[object, str]] = {}


def fingerprint(env: Environment, name: str, _memo: dict[str, str] | None = None) -> str | None:
    """The hex fingerprint of ``name`` in ``env`` (None when it is not declared)."""
    memo: dict[str, str] = {} if _memo is None else _memo
    if name in memo:
        return memo[name]
    info = env.find(name)
    if info is None:
        return None
    cached = _by_object.get(id(info))
    if cached is not None and cached[0] is info:
        memo[name] = cached[1]
        return cached[1]
    memo[name] = "cycle"  # constants referring to themselves (recursors of their inductive)
    h = hashlib.sha256()
    h.update(type(info).__name__.encode())
    h.update(name.encode())
    h.update(repr(info.level_params).encode())
    h.update(expr_text(info.type).encode())
    value = getattr(info, "value", None)
    deps = set(collect_consts(info.type))
    if isinstance(value, Expr):
        h.update(expr_text(value).encode())
        deps |= collect_consts(value)
    if isinstance(info, InductiveInfo):
        for ctor in info.constructors:
            ctor_info = env.find(ctor)
            if ctor_info is not None:
                h.update(ctor.encode())
                h.update(expr_text(ctor_info.type).encode())
                deps |= collect_consts(ctor_info.type)
    for dep in sorted(deps - {name}):
        h.update(dep.encode())
        h.update((fingerprint(env, dep, memo) or "missing").encode())
    out = h.hexdigest()
    memo[name] = out
    if "cycle" not in memo.values():  # only complete fingerprints are cached
        _by_object[id(info)] = (info, out)
    return out


def environment_hash(env: Environment) -> str:
    """A content hash of a whole environment (every constant, in declaration order); computed once
    per environment."""
    known = env.memo().get("environment_hash")
    if isinstance(known, str):
        return known
    memo: dict[str, str] = {}
    h = hashlib.sha256()
    for name in env.names():
        h.update(name.encode())
        h.update((fingerprint(env, name, memo) or "").encode())
    env.memo()["environment_hash"] = digest = h.hexdigest()
    return digest
