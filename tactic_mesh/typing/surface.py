"""What the typing judgment reads off a surface term without elaborating it.

``scan_surface(text)`` parses a term (the kernel's surface syntax) and returns its *free
identifiers* (with the binders of the term itself respected: ``fun x => x`` mentions nothing) and
its *holes*: each ``?_`` (a new goal each time), each named ``?x`` once, with the names bound
above it (the hole's local context is the goal's plus these), and the number of ``_`` (natural
holes: unification must solve them, or ``apply`` turns them into goals).

``resolves(name, hyps, env)`` is the elaborator's identifier rule (``AppElaboration.resolve_ident``):
a local hypothesis, a constant of the environment, or ``x.f…`` on a local ``x``.
"""

from __future__ import annotations

import attrs

from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.syntax import (
    AppS,
    Ascribe,
    Binder,
    BinderTerm,
    ByBlock,
    Hole,
    Ident,
    LetS,
    Pos,
    Syntax,
    parse_term,
)


@attrs.frozen
class HoleRef:
    name: str | None  # None: `?_`; otherwise the named hole `?name`
    binders: tuple[str, ...]  # names bound in the term above the hole, outermost first


@attrs.frozen
class SurfaceInfo:
    text: str
    idents: tuple[tuple[str, Pos], ...]  # free identifiers, in order of occurrence
    holes: tuple[HoleRef, ...]  # `?_` each, named holes once, in order of occurrence
    naturals: int  # `_` holes
    has_binders: bool  # the term binds names (holes may live in larger contexts)
    implicit_lambda: bool = True  # against `∀ {x}, …` the elaborator introduces `x` around it


def scan_surface(text: str) -> SurfaceInfo:
    """Raises ``ParseError`` on malformed syntax."""
    stx = parse_term(text, "<tactic>")
    idents: list[tuple[str, Pos]] = []
    holes: list[HoleRef] = []
    named: set[str] = set()
    naturals = 0
    has_binders = False
    # (syntax, names bound here), explored left to right without Python recursion
    stack: list[tuple[object, tuple[str, ...]]] = [(stx, ())]
    while stack:
        node, bound = stack.pop()
        todo: list[tuple[object, tuple[str, ...]]] = []
        if isinstance(node, Ident):
            head = node.name.split(".")[0]
            if node.name not in bound and head not in bound:
                idents.append((node.name, node.pos))
        elif isinstance(node, Hole):
            if node.name is None:
                naturals += 1
            elif node.name == "_":
                holes.append(HoleRef(None, bound))
            elif node.name not in named:
                named.add(node.name)
                holes.append(HoleRef(node.name, bound))
        elif isinstance(node, BinderTerm):
            has_binders = True
            scope = bound
            for binder in node.binders:
                if binder.type is not None:
                    todo.append((binder.type, scope))
                scope = (*scope, *binder.names)
            todo.append((node.body, scope))
        elif isinstance(node, LetS):
            has_binders = True
            if node.type is not None:
                todo.append((node.type, bound))
            todo.append((node.value, bound))
            todo.append((node.body, (*bound, node.name)))
        elif isinstance(node, ByBlock):
            pass  # a nested tactic block: checked when it runs
        elif isinstance(node, Ascribe):
            todo += [(node.term, bound), (node.type, bound)]
        elif isinstance(node, Syntax):
            for field in attrs.fields(type(node)):
                if field.name == "pos":
                    continue
                todo += _children(getattr(node, field.name), bound)
        stack.extend(reversed(todo))
    return SurfaceInfo(text, tuple(idents), tuple(holes), naturals, has_binders, implicit_lambda(stx))


def implicit_lambda(stx: Syntax) -> bool:
    """Does the elaborator's implicit lambda apply to this term (``Elaborator._implicit_lambda``)?
    Not to a hole, an explicit ``@f`` (applied or not), or a ``fun`` whose first binder is implicit."""
    if isinstance(stx, Hole) or (isinstance(stx, Ident) and stx.explicit):
        return False
    if isinstance(stx, AppS) and isinstance(stx.fn, Ident) and stx.fn.explicit:
        return False
    return not (isinstance(stx, BinderTerm) and stx.kind == "fun" and bool(stx.binders)
                and stx.binders[0].bi != "default")


def _children(value: object, bound: tuple[str, ...]) -> list[tuple[object, tuple[str, ...]]]:
    if isinstance(value, (Syntax, Binder)):
        return [(value, bound)]
    if isinstance(value, tuple):
        out: list[tuple[object, tuple[str, ...]]] = []
        for item in value:
            if isinstance(item, tuple) and len(item) == 2 and (item[0] is None or isinstance(item[0], str)):
                out += _children(item[1], bound)  # a (named) argument
            else:
                out += _children(item, bound)
        return out
    return []


def resolves(name: str, hyps: frozenset[str], env: Environment | None) -> bool:
    """Does ``name`` resolve to a hypothesis or a constant (``True`` when ``env`` is unknown)?"""
    if name in hyps or name.split(".")[0] in hyps:
        return True
    if env is None:
        return True
    return name == "sorry" or env.find(name) is not None


__all__ = ["HoleRef", "SurfaceInfo", "implicit_lambda", "resolves", "scan_surface"]
