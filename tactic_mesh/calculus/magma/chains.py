"""Equational chains: proofs of ``s = t`` as rewrites with instances of known equations.

A ``Fact`` is an equation the proof may use (the hypothesis ``h``, or an earlier lemma) with the
text that applies it to arguments.  A ``Step`` rewrites one position of a term with an instance
of a fact, in either direction.  Searches here find chains:

* ``bidirectional`` — breadth first from both sides until they meet (the library's own bounded
  search);
* ``derive`` — a target from a few facts, the way a superposition prover derives a clause: an
  instance of one fact, or a critical pair of two facts (found by unification), each followed by
  size-non-increasing rewriting, or the target's sides rewritten until they meet or become an
  instance of a fact.

``chain_text`` turns a chain into a proof term (``congrArg``/``Eq.symm``/``Eq.trans``, each step
ascribed its equation); only the kernel decides whether it proves anything.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping

import attrs

from tactic_mesh.calculus.magma.equations import Term, show
from tactic_mesh.calculus.magma.terms import (
    Path,
    Subst,
    is_var,
    match,
    match_pair,
    rename,
    replace,
    resolve,
    size,
    substitute,
    subterms,
    unify,
    variables,
)


@attrs.frozen
class Fact:
    head: str  # the text applied to the arguments: "h", "@lemma G inst h"
    lhs: Term
    rhs: Term
    params: tuple[str, ...]  # its variables, in argument order


@attrs.frozen
class Step:
    fact: Fact
    before: Term
    after: Term
    position: Path
    forward: bool  # fact.lhs → fact.rhs (else rhs → lhs)
    subst: tuple[tuple[str, Term], ...]

    def reversed(self) -> Step:
        return Step(self.fact, self.after, self.before, self.position, not self.forward, self.subst)

    def under(self, subst: Mapping[str, Term]) -> Step:
        return Step(self.fact, substitute(self.before, subst), substitute(self.after, subst), self.position,
                    self.forward, tuple((v, substitute(t, subst)) for v, t in self.subst))


Chain = list[Step]


def reverse(chain: Chain) -> Chain:
    return [s.reversed() for s in reversed(chain)]


def under(chain: Chain, subst: Mapping[str, Term]) -> Chain:
    return [s.under(subst) for s in chain]


def orientations(fact: Fact, only_safe: bool = True) -> Iterator[tuple[Term, Term, bool]]:
    """``(pattern, replacement, forward)``; with ``only_safe``, only directions whose replacement's
    variables all occur in the pattern (matching then determines the instance)."""
    for forward in (True, False):
        left, right = (fact.lhs, fact.rhs) if forward else (fact.rhs, fact.lhs)
        if not only_safe or variables(right) <= variables(left):
            yield left, right, forward


def rewrites(t: Term, facts: list[Fact], shrinking: bool = False) -> Iterator[Step]:
    """Every single rewrite of ``t`` with an instance of a fact (with ``shrinking``, only those
    that do not make the term larger)."""
    for fact in facts:
        for left, right, forward in orientations(fact):
            if shrinking and size(right) > size(left):
                continue
            for path, sub in subterms(t):
                subst: Subst = {}
                if match(left, sub, subst):
                    after = replace(t, path, substitute(right, subst))
                    if shrinking and size(after) > size(t):
                        continue
                    yield Step(fact, t, after, path, forward, tuple(sorted(subst.items())))


def closure(t: Term, facts: list[Fact], depth: int, limit: int) -> dict[Term, Chain]:
    """Terms reachable from ``t`` by at most ``depth`` non-enlarging rewrites (at most ``limit``
    of them), each with its chain from ``t``."""
    out: dict[Term, Chain] = {t: []}
    frontier = [t]
    for _ in range(depth):
        nxt: list[Term] = []
        for term in frontier:
            for step in rewrites(term, facts, shrinking=True):
                if step.after not in out:
                    out[step.after] = [*out[term], step]
                    nxt.append(step.after)
                    if len(out) >= limit:
                        return out
        frontier = nxt
    return out


def bidirectional(lhs: Term, rhs: Term, facts: list[Fact], depth: int, max_size: int, max_terms: int) -> Chain | None:
    """Breadth first from both sides; the chain from ``lhs`` to ``rhs``, or None."""
    if lhs == rhs:
        return []
    parents: list[dict[Term, Step | None]] = [{lhs: None}, {rhs: None}]
    frontiers: list[deque[tuple[Term, int]]] = [deque([(lhs, 0)]), deque([(rhs, 0)])]
    explored = 0
    while any(frontiers) and explored < max_terms:
        for side in (0, 1):
            if not frontiers[side]:
                continue
            term, d = frontiers[side].popleft()
            explored += 1
            if d >= depth:
                continue
            for step in rewrites(term, facts):
                nxt = step.after
                if nxt in parents[side] or size(nxt) > max_size:
                    continue
                parents[side][nxt] = step
                if nxt in parents[1 - side]:
                    return _trace(parents[0], nxt) + reverse(_trace(parents[1], nxt))
                frontiers[side].append((nxt, d + 1))
    return None


def _trace(parents: dict[Term, Step | None], term: Term) -> Chain:
    out: Chain = []
    step = parents[term]
    while step is not None:
        out.append(step)
        step = parents[step.before]
    return out[::-1]


def _fact_step(fact: Fact, forward: bool) -> Step:
    """The fact itself as a one-step chain (its variables stand for themselves)."""
    subst = tuple((v, v) for v in fact.params)
    before, after = (fact.lhs, fact.rhs) if forward else (fact.rhs, fact.lhs)
    return Step(fact, before, after, (), forward, subst)


def critical_pairs(into: Fact, by: Fact) -> Iterator[tuple[Term, Term, Chain]]:
    """The overlaps of ``by`` (either direction) into a non-variable position of ``into`` (either
    side): ``(s, t, chain)`` with ``chain`` proving ``s = t`` through the overlapped peak."""
    f1 = Fact(by.head, rename(by.lhs, "1·"), rename(by.rhs, "1·"), tuple("1·" + v for v in by.params))
    f2 = Fact(into.head, rename(into.lhs, "2·"), rename(into.rhs, "2·"), tuple("2·" + v for v in into.params))
    for l1, r1, fwd1 in orientations(f1, only_safe=False):
        if is_var(l1):
            continue
        for u, v, fwd2 in orientations(f2, only_safe=False):
            for path, sub in subterms(u):
                if is_var(sub):
                    continue
                theta = unify(l1, sub)
                if theta is None:
                    continue
                peak = resolve(u, theta)
                s = replace(peak, path, resolve(r1, theta))
                t = resolve(v, theta)
                sigma1 = tuple((p, resolve(p, theta)) for p in f1.params)
                sigma2 = tuple((p, resolve(p, theta)) for p in f2.params)
                chain = [Step(by, s, peak, path, not fwd1, _unprefix(sigma1)),
                         Step(into, peak, t, (), fwd2, _unprefix(sigma2))]
                yield s, t, chain
                # simultaneous superposition (E's spm): every occurrence of the overlapped instance
                # is replaced, on both sides
                left, right = resolve(l1, theta), resolve(r1, theta)
                sim = _simultaneous(peak, t, left, right, by, fwd1, _unprefix(sigma1), into, fwd2, _unprefix(sigma2))
                if sim is not None:
                    yield sim


def _outermost(t: Term, pattern: Term) -> list[Path]:
    out: list[Path] = []
    for path, sub in subterms(t):
        if sub == pattern and not any(path[:len(q)] == q for q in out):
            out.append(path)
    return out


def _simultaneous(peak: Term, t: Term, left: Term, right: Term, by: Fact, fwd1: bool,
                  sigma1: tuple[tuple[str, Term], ...], into: Fact, fwd2: bool,
                  sigma2: tuple[tuple[str, Term], ...]) -> tuple[Term, Term, Chain] | None:
    occurrences_s, occurrences_t = _outermost(peak, left), _outermost(t, left)
    if len(occurrences_s) < 2 and not occurrences_t:
        return None
    s_sim = peak
    for q in occurrences_s:
        s_sim = replace(s_sim, q, right)
    chain: Chain = []
    current = s_sim
    for q in occurrences_s:  # back up to the peak, one occurrence at a time
        after = replace(current, q, left)
        chain.append(Step(by, current, after, q, not fwd1, sigma1))
        current = after
    chain.append(Step(into, peak, t, (), fwd2, sigma2))
    current = t
    for q in occurrences_t:
        after = replace(current, q, right)
        chain.append(Step(by, current, after, q, fwd1, sigma1))
        current = after
    return s_sim, current, chain


def _unprefix(subst: tuple[tuple[str, Term], ...]) -> tuple[tuple[str, Term], ...]:
    return tuple((v[2:], t) for v, t in subst)


def derive(lhs: Term, rhs: Term, facts: list[Fact], depth: int = 6, limit: int = 300,
           pair_limit: int = 4000) -> Chain | None:
    """A chain from ``lhs`` to ``rhs`` (whose variables are held fixed) in the shape a
    superposition prover's inference has, or None (see the module docstring)."""
    if lhs == rhs:
        return []
    candidates = _candidates(facts, pair_limit)
    return _congruent(lhs, rhs, candidates, facts, depth, limit, ())


def _congruent(lhs: Term, rhs: Term, candidates: list[tuple[Term, Term, Chain]], facts: list[Fact], depth: int,
               limit: int, path: Path) -> Chain | None:
    """The target directly, else (for two applications) each argument separately, then congruence."""
    found = _direct(lhs, rhs, candidates, facts, depth, limit)
    if found is not None or isinstance(lhs, str) or isinstance(rhs, str) or len(path) >= 8:
        return found
    left = _congruent(lhs[0], rhs[0], candidates, facts, depth, limit, (*path, 0)) if lhs[0] != rhs[0] else []
    if left is None:
        return None
    right = _congruent(lhs[1], rhs[1], candidates, facts, depth, limit, (*path, 1)) if lhs[1] != rhs[1] else []
    if right is None:
        return None
    # the left argument's steps happen beside the original right argument, then the right's beside the new left
    return [_beside(s, 1, lhs[1]) for s in left] + [_beside(s, 0, rhs[0]) for s in right]


def _beside(step: Step, side: int, other: Term) -> Step:
    """A step of one argument, seen in the application whose other argument is ``other``."""
    def put(t: Term) -> Term:
        return (t, other) if side == 1 else (other, t)
    return Step(step.fact, put(step.before), put(step.after), (1 - side, *step.position), step.forward, step.subst)


def _direct(lhs: Term, rhs: Term, candidates: list[tuple[Term, Term, Chain]], facts: list[Fact], depth: int,
            limit: int) -> Chain | None:
    if lhs == rhs:
        return []
    found = _by_candidates(lhs, rhs, candidates, facts, depth, limit)
    if found is not None:
        return found
    return _by_target_closure(lhs, rhs, candidates, facts, depth, limit)


def _candidates(facts: list[Fact], pair_limit: int) -> list[tuple[Term, Term, Chain]]:
    """The facts themselves, then their critical pairs (each with its chain)."""
    out: list[tuple[Term, Term, Chain]] = [(f.lhs, f.rhs, [_fact_step(f, True)]) for f in facts]
    for into in facts:
        for by in facts:
            out.extend(critical_pairs(into, by))
            if len(out) > pair_limit:
                return out
    return out


def derive_instance(lhs: Term, rhs: Term, facts: list[Fact], depth: int = 6, limit: int = 300,
                    pair_limit: int = 4000) -> tuple[Term, Term, Chain] | None:
    """Some instance of ``lhs = rhs`` (its variables are free to choose) with a chain proving it:
    the sides unified, or unified with a candidate (a fact or a critical pair, its sides rewritten).
    The instance and chain may keep unconstrained variables (any term will do for them)."""
    left_t, right_t = rename(lhs, "t·"), rename(rhs, "t·")
    theta = unify(left_t, right_t)
    if theta is not None:
        same = resolve(left_t, theta)
        return same, same, []
    for s, t, chain in _candidates(facts, pair_limit):
        left, right = closure(s, facts, depth, limit), closure(t, facts, depth, limit)
        for flipped in (False, True):
            target = (right_t, left_t) if flipped else (left_t, right_t)
            for x, cx in left.items():
                first = unify(x, target[0])
                if first is None:
                    continue
                for y, cy in right.items():
                    both = unify(y, target[1], first)
                    if both is None:
                        continue
                    sub = {v: resolve(v, both) for v in both}
                    out = under(reverse(cx) + chain + cy, sub)
                    return resolve(left_t, both), resolve(right_t, both), reverse(out) if flipped else out
    return None


def _by_candidates(lhs: Term, rhs: Term, candidates: list[tuple[Term, Term, Chain]], facts: list[Fact],
                   depth: int, limit: int) -> Chain | None:
    """A candidate equation, both sides rewritten, of which the target is an instance."""
    for s, t, chain in candidates:
        for flipped in (False, True):
            target = (rhs, lhs) if flipped else (lhs, rhs)
            if match_pair((s, t), target) is not None:
                return _finish(chain, [], [], (s, t), target, flipped)
    for s, t, chain in candidates:
        left, right = closure(s, facts, depth, limit), closure(t, facts, depth, limit)
        for flipped in (False, True):
            target = (rhs, lhs) if flipped else (lhs, rhs)
            for x, cx in left.items():
                sub: Subst = {}
                if not match(x, target[0], sub):
                    continue
                for y, cy in right.items():
                    rho = dict(sub)
                    if match(y, target[1], rho):
                        return _finish(chain, cx, cy, (x, y), target, flipped, rho)
    return None


def _finish(chain: Chain, left: Chain, right: Chain, pattern: tuple[Term, Term], target: tuple[Term, Term],
            flipped: bool, rho: Subst | None = None) -> Chain:
    """``target[0] ← left ← s = t → right → target[1]``, under the matching ``rho``."""
    if rho is None:
        rho = match_pair(pattern, target)
        assert rho is not None
    full = reverse(left) + chain + right
    out = under(full, rho)
    return reverse(out) if flipped else out


def _by_target_closure(lhs: Term, rhs: Term, candidates: list[tuple[Term, Term, Chain]], facts: list[Fact],
                       depth: int, limit: int) -> Chain | None:
    """The target's sides rewritten until they meet or form an instance of a candidate."""
    left, right = closure(lhs, facts, depth, limit), closure(rhs, facts, depth, limit)
    for x, cx in left.items():
        if x in right:
            return cx + reverse(right[x])
    for s, t, chain in candidates:
        for x, cx in left.items():
            sub: Subst = {}
            if not match(s, x, sub):
                continue
            for y, cy in right.items():
                rho = dict(sub)
                if match(t, y, rho):
                    return cx + under(chain, rho) + reverse(cy)
    return None


def fill(chain: Chain, keep: set[str], filler: Term) -> Chain:
    """Every variable of the chain outside ``keep`` (left unconstrained) replaced by ``filler``."""
    loose: set[str] = set()
    for step in chain:
        loose |= variables(step.before) | variables(step.after)
        for _, t in step.subst:
            loose |= variables(t)
    return under(chain, {v: filler for v in loose - keep})


def _fact_instance(step: Step, filler: Term, render: Callable[[Term], str]) -> str:
    subst = dict(step.subst)
    args = " ".join(render(subst.get(v, filler)) for v in step.fact.params)
    core = f"({step.fact.head} {args})" if args else step.fact.head
    return core if step.forward else f"(Eq.symm {core})"


def step_text(step: Step, filler: Term, render: Callable[[Term], str] = show) -> str:
    core = _fact_instance(step, filler, render)
    eq = f"{_top(step.before, render)} = {_top(step.after, render)}"
    if not step.position:
        return f"({core} : {eq})"
    hole = _top(replace(step.before, step.position, "hole"), render)
    return f"(congrArg (fun hole => {hole}) {core} : {eq})"


def _top(t: Term, render: Callable[[Term], str]) -> str:
    text = render(t)
    return text[1:-1] if not isinstance(t, str) and text.startswith("(") else text


def chain_text(chain: Chain, filler: Term, render: Callable[[Term], str] = show) -> str:
    """The proof term of the chain (``rfl`` for the empty chain)."""
    if not chain:
        return "rfl"
    proof = step_text(chain[-1], filler, render)
    for step in reversed(chain[:-1]):
        proof = f"(Eq.trans {step_text(step, filler, render)} {proof})"
    return proof


__all__ = ["Chain", "Fact", "Step", "bidirectional", "chain_text", "closure", "critical_pairs", "derive",
           "derive_instance", "fill",
           "reverse", "rewrites", "step_text", "under"]
