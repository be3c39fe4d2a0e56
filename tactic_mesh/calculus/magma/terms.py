"""Operations on magma terms: positions, substitution, matching and unification.

A term is a leaf (a name) or a pair ``(left, right)`` for ``left ◇ right``.  A leaf is a variable
unless it carries the constant mark ``@`` (E's Skolem symbols): matching and unification bind
variables only.  A position is a path of 0 (left) and 1 (right).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from tactic_mesh.calculus.magma.equations import Term

Path = tuple[int, ...]
Subst = dict[str, Term]
CONST = "@"


def is_var(t: Term) -> bool:
    return isinstance(t, str) and not t.startswith(CONST)


def size(t: Term) -> int:
    """The number of nodes (iteratively: terms may be deep)."""
    return sum(1 for _ in subterms(t))


def subterms(t: Term, path: Path = ()) -> Iterator[tuple[Path, Term]]:
    """Every position of ``t`` with its subterm, outermost first."""
    stack = [(path, t)]
    while stack:
        p, cur = stack.pop()
        yield p, cur
        if not isinstance(cur, str):
            stack.append(((*p, 1), cur[1]))
            stack.append(((*p, 0), cur[0]))


def at(t: Term, path: Path) -> Term:
    for step in path:
        assert not isinstance(t, str)
        t = t[step]
    return t


def replace(t: Term, path: Path, by: Term) -> Term:
    if not path:
        return by
    assert not isinstance(t, str)
    if path[0] == 0:
        return (replace(t[0], path[1:], by), t[1])
    return (t[0], replace(t[1], path[1:], by))


def variables(t: Term) -> set[str]:
    return {s for _, s in subterms(t) if isinstance(s, str) and is_var(s)}


def ordered_variables(*ts: Term) -> list[str]:
    """The variables of ``ts`` in order of first occurrence (constants left out)."""
    out: list[str] = []
    for t in ts:
        for _, s in subterms(t):
            if isinstance(s, str) and is_var(s) and s not in out:
                out.append(s)
    return out


def substitute(t: Term, subst: Mapping[str, Term]) -> Term:
    """``t`` with its bound variables replaced (unbound ones stay)."""
    if isinstance(t, str):
        return subst.get(t, t) if is_var(t) else t
    return (substitute(t[0], subst), substitute(t[1], subst))


def rename(t: Term, prefix: str) -> Term:
    if isinstance(t, str):
        return prefix + t if is_var(t) else t
    return (rename(t[0], prefix), rename(t[1], prefix))


def match(pattern: Term, target: Term, subst: Subst) -> bool:
    """First-order matching of ``pattern`` against ``target`` (whose leaves are all rigid),
    extending ``subst``; False leaves ``subst`` partly extended."""
    stack = [(pattern, target)]
    while stack:
        p, t = stack.pop()
        if isinstance(p, str):
            if not is_var(p):
                if p != t:
                    return False
                continue
            bound = subst.get(p)
            if bound is None:
                subst[p] = t
            elif bound != t:
                return False
        elif isinstance(t, str):
            return False
        else:
            stack.extend(((p[0], t[0]), (p[1], t[1])))
    return True


def match_pair(pattern: tuple[Term, Term], target: tuple[Term, Term]) -> Subst | None:
    subst: Subst = {}
    if match(pattern[0], target[0], subst) and match(pattern[1], target[1], subst):
        return subst
    return None


def _walk(t: Term, subst: Subst) -> Term:
    while isinstance(t, str) and is_var(t) and t in subst:
        t = subst[t]
    return t


def _occurs(v: str, t: Term, subst: Subst) -> bool:
    stack = [t]
    while stack:
        cur = _walk(stack.pop(), subst)
        if cur == v:
            return True
        if not isinstance(cur, str):
            stack.extend(cur)
    return False


def unify(s: Term, t: Term, subst: Subst | None = None) -> Subst | None:
    """A most general unifier (triangular: apply with ``resolve``) extending ``subst``, or None."""
    out: Subst = dict(subst or {})
    stack = [(s, t)]
    while stack:
        x, y = stack.pop()
        x, y = _walk(x, out), _walk(y, out)
        if x == y:
            continue
        if isinstance(x, str) and is_var(x):
            if _occurs(x, y, out):
                return None
            out[x] = y
        elif isinstance(y, str) and is_var(y):
            if _occurs(y, x, out):
                return None
            out[y] = x
        elif isinstance(x, str) or isinstance(y, str):
            return None
        else:
            stack.extend(((x[0], y[0]), (x[1], y[1])))
    return out


def resolve(t: Term, subst: Subst) -> Term:
    """``t`` under a triangular substitution, fully applied."""
    t = _walk(t, subst)
    if isinstance(t, str):
        return t
    return (resolve(t[0], subst), resolve(t[1], subst))


__all__ = [
    "CONST",
    "Path",
    "Subst",
    "at",
    "is_var",
    "match",
    "match_pair",
    "ordered_variables",
    "rename",
    "replace",
    "resolve",
    "size",
    "substitute",
    "subterms",
    "unify",
    "variables",
]
