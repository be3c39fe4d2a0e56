"""Refuting a magma implication ``a ⇒ b`` by a convergent rewrite system (E's saturation, re-checked).

When E prover saturates ``a`` together with the negation of ``b`` without finding a contradiction
it reports ``CounterSatisfiable`` and prints the saturated clause set.  Nothing E says is trusted
here.  ``check_saturation`` takes only the positive unit equations of that set as a candidate
system ``R`` and checks, by itself:

1. **termination** — a reduction ordering ``>`` is found (Knuth–Bendix or lexicographic path
   ordering, arguments compared left-to-right or right-to-left, over a small space of weights and
   precedences) under which every equation of ``R`` is oriented strictly, ``l > r``; each rule
   ``l → r`` then has a non-variable left side and ``Var(r) ⊆ Var(l)``;
2. **local confluence** — every critical pair of ``R`` (every overlap of a rule's left side at a
   non-variable position with a renamed copy of a rule, a rule with itself included, the trivial
   root overlap of a rule with itself excluded) has both sides with the same ``R``-normal form;
3. **a holds** — the two sides of ``a``, its variables read as fresh constants, have the same
   normal form;
4. **b fails** — the two sides of ``b``, its variables replaced by fresh distinct constants
   ``@x, @y, …``, have distinct normal forms.

Why this refutes ``a ⇒ b``.  Let ``T`` be the ground terms built with ``◇`` from an infinite set of
constants (those of ``R``, of the checks above, and any others), and let ``≡`` be the equivalence
``↔*_R`` on ``T``.  Rewriting is closed under contexts, so ``≡`` is a congruence and ``M = T/≡``,
with ``[s] ◇ [t] = [s ◇ t]``, is a magma.

* By (1) ``→_R`` terminates: ``>`` is a reduction ordering (well founded, closed under contexts
  and substitutions; constants that do not occur in ``R`` take the least weight and any place in
  the precedence, and the right-to-left variants are the left-to-right orderings on mirrored
  terms, the mirror being an automorphism of the term algebra), and every step decreases it.
  By (2) and the critical pair lemma ``→_R`` is locally confluent (a peak that is not an
  instance of a critical pair is joinable outright; an instance of a joinable critical pair is
  joinable).  By Newman's lemma ``→_R`` is convergent: every term has exactly one normal form,
  and ``s ≡ t`` iff the normal forms of ``s`` and ``t`` coincide.  (Termination and local
  confluence are properties of the rules, so they hold on ground terms over any constants.)
* ``a`` holds in ``M``.  By (3) ``a.lhs[c/x] ↔*_R a.rhs[c/x]`` for constants ``c`` that occur
  nowhere in ``R``; replacing each such ``c`` by its variable again maps every rewrite step to a
  rewrite step (the rules never mention ``c``), so ``a.lhs ↔*_R a.rhs`` as terms with variables,
  and since rewriting is closed under substitution ``σ(a.lhs) ≡ σ(a.rhs)`` for every ground ``σ``:
  every instance of ``a`` holds in ``M``.
* ``b`` fails in ``M`` at ``x ↦ [@x], y ↦ [@y], …``: by (4) and convergence the two sides are not
  ``≡``.

So ``M`` is a magma satisfying ``a`` and not ``b``.  Note that the argument never uses that the
equations of ``R`` follow from ``a`` (what E claims): any convergent ``R`` in which ``a`` is
joinable and ``b`` is not will do, so a wrong saturation can at worst fail to be certified.

The result is a ``RewriteCertificate`` (``checked_by = "rewrite-certificate"``): the rules, the
ordering, the number of critical pairs checked and the normal forms of ``b``'s sides.  Its
``to_text()`` is a small line-based file, and ``recheck(text)`` (``RewriteCertificate.from_text``)
parses it — errors carry ``line:col`` — and checks it again from scratch, without E.  Every check
is bounded (``Bounds``: rules, term size, rewrite steps, critical pairs, orderings tried, and
wall-clock time as a last resort);
exceeding a bound is a ``CertificateError``, never a hang.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Sequence

import attrs

from tactic_mesh.calculus.magma.equations import OP, Equation, EquationError, EquationParser, Term, parse_equation, show
from tactic_mesh.calculus.magma.terms import (
    CONST,
    is_var,
    match,
    ordered_variables,
    rename,
    replace,
    resolve,
    size,
    substitute,
    subterms,
    unify,
    variables,
)
from tactic_mesh.kernel.errors import Location, TacticMeshError
from tactic_mesh.symbolic.eprover import run_eprover
from tactic_mesh.symbolic.tptp import Clause

CHECKED_BY = "rewrite-certificate"
HEADER = "rewrite-certificate 1"
STATUSES = ("left-to-right", "right-to-left")
KINDS = ("kbo", "lpo")


class CertificateError(TacticMeshError):
    """A saturation or a certificate that does not check (with the reason and, for text, where)."""


@attrs.frozen
class Bounds:
    """Resource limits of one check; exceeding any of them is a ``CertificateError``."""

    max_rules: int = 400
    max_rule_size: int = 200  # nodes of one side of a rule
    max_term_size: int = 2_000  # nodes of any term met while normalising
    max_steps: int = 200_000  # rewrite steps in the whole check
    max_critical_pairs: int = 100_000
    max_orderings: int = 200  # orderings tried when orienting
    max_constants: int = 4  # constants of R for which precedences are searched
    max_text: int = 2_000_000  # characters of a certificate text
    max_seconds: float = 60.0  # wall-clock time of the whole check, every orientation tried (a last resort)


DEFAULT_BOUNDS = Bounds()


# --------------------------------------------------------------------------------------------
# Reduction orderings


@attrs.frozen
class Ordering:
    """A Knuth–Bendix (``kbo``) or lexicographic path (``lpo``) ordering for ``◇`` and constants.

    ``status`` says in which order the two arguments of ``◇`` are compared lexicographically;
    ``precedence`` lists ``◇`` and the constants, greatest first; ``weights`` (KBO only) gives the
    weight of ``◇`` and of each constant (variables weigh 1, constants at least 1).
    """

    kind: str
    status: str = "left-to-right"
    precedence: tuple[str, ...] = (OP,)
    weights: tuple[tuple[str, int], ...] = ()

    def symbols(self) -> set[str]:
        return set(self.precedence)

    def text(self) -> str:
        parts = [self.kind, self.status]
        if self.kind == "kbo":
            parts.append("weights " + " ".join(f"{s}={w}" for s, w in self.weights))
        parts.append("precedence " + " > ".join(self.precedence))
        return " ".join(parts)

    def validate(self) -> str | None:
        """Why this is not an admissible ordering description (None when it is)."""
        if self.kind not in KINDS:
            return f"unknown ordering kind {self.kind!r} (expected kbo or lpo)"
        if self.status not in STATUSES:
            return f"unknown argument status {self.status!r} (expected left-to-right or right-to-left)"
        if len(set(self.precedence)) != len(self.precedence):
            return "a symbol occurs twice in the precedence"
        if OP not in self.precedence:
            return f"the precedence does not mention {OP}"
        if any(s != OP and not s.startswith(CONST) for s in self.precedence):
            return "the precedence lists something that is neither ◇ nor a constant"
        if self.kind == "kbo":
            names = [s for s, _ in self.weights]
            if sorted(names) != sorted(self.precedence):
                return "the KBO weights must give exactly the symbols of the precedence"
            for s, w in self.weights:
                if w < (0 if s == OP else 1):
                    return f"weight {w} of {s} is not admissible (◇ weighs at least 0, a constant at least 1)"
        elif self.weights:
            return "an LPO has no weights"
        return None

    def greater(self, s: Term, t: Term) -> bool:
        """``s > t`` in this ordering."""
        if self.kind == "kbo":
            return _Kbo(self).greater(s, t)
        return _Lpo(self).greater(s, t)


def _var_counts(t: Term, out: dict[str, int]) -> None:
    for _, sub in subterms(t):
        if isinstance(sub, str) and is_var(sub):
            out[sub] = out.get(sub, 0) + 1


def _args(t: tuple[Term, Term], status: str) -> tuple[Term, Term]:
    return t if status == "left-to-right" else (t[1], t[0])


class _Kbo:
    def __init__(self, order: Ordering) -> None:
        self.status = order.status
        self.rank = {s: len(order.precedence) - i for i, s in enumerate(order.precedence)}
        self.weight_of = dict(order.weights)

    def leaf_weight(self, leaf: str) -> int:
        return 1 if is_var(leaf) else self.weight_of.get(leaf, 1)

    def weight(self, t: Term) -> int:
        total = 0
        for _, sub in subterms(t):
            total += self.leaf_weight(sub) if isinstance(sub, str) else self.weight_of.get(OP, 0)
        return total

    def greater(self, s: Term, t: Term) -> bool:
        if s == t:
            return False
        cs: dict[str, int] = {}
        ct: dict[str, int] = {}
        _var_counts(s, cs)
        _var_counts(t, ct)
        if any(cs.get(x, 0) < n for x, n in ct.items()):
            return False  # the variable condition
        ws, wt = self.weight(s), self.weight(t)
        if ws != wt:
            return ws > wt
        if isinstance(s, str) and is_var(s):
            return False
        if isinstance(t, str) and is_var(t):
            return False  # equal weights: only s = f(…f(t)…) with unary f would do, and there is none
        hs = OP if isinstance(s, tuple) else s
        ht = OP if isinstance(t, tuple) else t
        if hs != ht:
            return self.rank.get(hs, 0) > self.rank.get(ht, 0)
        if isinstance(s, str) or isinstance(t, str):
            return False  # the same constant (s == t was excluded above)
        (s1, s2), (t1, t2) = _args(s, self.status), _args(t, self.status)
        if s1 != t1:
            return self.greater(s1, t1)
        return self.greater(s2, t2)


class _Lpo:
    def __init__(self, order: Ordering) -> None:
        self.status = order.status
        self.rank = {s: len(order.precedence) - i for i, s in enumerate(order.precedence)}

    def greater(self, s: Term, t: Term) -> bool:
        if s == t or (isinstance(s, str) and is_var(s)):
            return False
        if isinstance(t, str) and is_var(t):
            return any(sub == t for _, sub in subterms(s))
        if isinstance(s, tuple) and any(si == t or self.greater(si, t) for si in s):
            return True
        hs = OP if isinstance(s, tuple) else s
        ht = OP if isinstance(t, tuple) else t
        if hs != ht:
            if self.rank.get(hs, 0) <= self.rank.get(ht, 0):
                return False
            return isinstance(t, str) or all(self.greater(s, tj) for tj in t)
        if isinstance(s, str) or isinstance(t, str):
            return False
        if not all(self.greater(s, tj) for tj in t):
            return False
        (s1, s2), (t1, t2) = _args(s, self.status), _args(t, self.status)
        if s1 != t1:
            return self.greater(s1, t1)
        return self.greater(s2, t2)


def candidate_orderings(constants: Sequence[str], bounds: Bounds = DEFAULT_BOUNDS) -> Iterator[Ordering]:
    """The small space searched: KBO then LPO, both argument statuses; with constants, every
    precedence of ``◇`` and the constants and (KBO) weights 0–1 for ``◇``, 1–2 for constants."""
    consts = sorted(set(constants))
    if len(consts) > bounds.max_constants:
        raise CertificateError(f"the system has {len(consts)} constants (more than {bounds.max_constants}): "
                               "the ordering search is not attempted")
    symbols = [OP, *consts]
    count = 0
    for kind in KINDS:
        for status in STATUSES:
            for prec in itertools.permutations(symbols):
                weight_choices: Iterator[tuple[tuple[str, int], ...]]
                if kind == "kbo":
                    ranges = [(0, 1) if s == OP else (1, 2) for s in symbols]
                    weight_choices = (tuple(zip(symbols, ws, strict=True)) for ws in itertools.product(*ranges))
                else:
                    weight_choices = iter([()])
                for weights in weight_choices:
                    count += 1
                    if count > bounds.max_orderings:
                        return
                    yield Ordering(kind, status, tuple(prec), weights)


# --------------------------------------------------------------------------------------------
# Rules, normalisation, critical pairs


Rule = tuple[Term, Term]


def constants_of(t: Term) -> set[str]:
    return {s for _, s in subterms(t) if isinstance(s, str) and not is_var(s)}


_NAMES = ("x", "y", "z", "w", "u", "v")


def canonical(rule: Rule) -> Rule:
    """The rule with its variables renamed ``x, y, z, w, u, v, x1, x2, …`` in order of occurrence."""
    olds = ordered_variables(rule[0], rule[1])
    news = [_NAMES[i] if i < len(_NAMES) else f"x{i - len(_NAMES) + 1}" for i in range(len(olds))]
    names = dict(zip(olds, news, strict=True))  # applied to every leaf at once: no capture
    return substitute(rule[0], names), substitute(rule[1], names)


def term_text(t: Term) -> str:
    return show(t, top=True)


def rule_text(rule: Rule) -> str:
    return f"{term_text(rule[0])} -> {term_text(rule[1])}"


class _Rewriter:
    """Normal forms under a rule list (innermost, the first rule that matches at a position),
    with variables of the terms normalised read as rigid; shares one step budget."""

    def __init__(self, rules: Sequence[Rule], bounds: Bounds, deadline: float) -> None:
        self.rules = list(rules)
        self.bounds = bounds
        self.steps = 0
        self.cache: dict[Term, Term] = {}
        self.deadline = deadline  # of the whole check (time.monotonic)
        self.ticks = 0

    def tick(self) -> None:
        self.ticks += 1
        if self.ticks % 256 == 0:
            _check_deadline(self.deadline, self.bounds)

    def root_step(self, t: Term) -> Term | None:
        for lhs, rhs in self.rules:
            subst: dict[str, Term] = {}
            if match(lhs, t, subst):
                return substitute(rhs, subst)
        return None

    def normal_form(self, term: Term) -> Term:
        if size(term) > self.bounds.max_term_size:
            raise CertificateError(f"a term has more than {self.bounds.max_term_size} nodes")
        values: list[Term] = []
        # ("eval", t): push t's normal form; ("build", t): rebuild t from its arguments' normal
        # forms and rewrite at the root; ("cache", t): remember the value on top as t's normal form
        work: list[tuple[str, Term]] = [("eval", term)]
        while work:
            self.tick()
            action, t = work.pop()
            if action == "cache":
                self.cache[t] = values[-1]
                continue
            if action == "eval":
                known = self.cache.get(t)
                if known is not None:
                    values.append(known)
                elif isinstance(t, str):
                    self.step(t, t, work, values)
                else:
                    work.extend((("build", t), ("eval", t[1]), ("eval", t[0])))
                continue
            right = values.pop()
            left = values.pop()
            self.step(t, (left, right), work, values)
        return values[-1]

    def step(self, original: Term, t: Term, work: list[tuple[str, Term]], values: list[Term]) -> None:
        """``t`` (``original`` with normal arguments): rewrite at its root or it is normal."""
        reduct = self.root_step(t)
        if reduct is None:
            self.cache[original] = t
            values.append(t)
            return
        self.steps += 1
        if self.steps > self.bounds.max_steps:
            raise CertificateError(f"normalisation exceeded {self.bounds.max_steps} rewrite steps")
        if size(reduct) > self.bounds.max_term_size:
            raise CertificateError(f"a reduct has more than {self.bounds.max_term_size} nodes")
        work.append(("cache", original))
        work.append(("eval", reduct))


def critical_pairs(rules: Sequence[Rule]) -> Iterator[tuple[int, int, tuple[int, ...], Term, Term]]:
    """``(i, j, p, s, t)``: rule ``j`` (renamed) overlaps rule ``i``'s left side at the
    non-variable position ``p``; ``s`` is rule ``i``'s reduct, ``t`` rule ``j``'s.  The root
    overlap of a rule with itself is left out, and a root overlap of two rules is given once."""
    renamed = [(rename(l2, "2_"), rename(r2, "2_")) for l2, r2 in rules]  # once, not per rule i
    for i, (l1, r1) in enumerate(rules):
        l1, r1 = rename(l1, "1_"), rename(r1, "1_")
        for j, (l2, r2) in enumerate(renamed):
            for p, sub in subterms(l1):
                if isinstance(sub, str) and is_var(sub):
                    continue
                if p == () and j <= i:
                    continue
                sigma = unify(sub, l2)
                if sigma is None:
                    continue
                yield i, j, p, resolve(r1, sigma), resolve(replace(l1, p, r2), sigma)


def _fresh(name: str, taken: set[str]) -> str:
    candidate = CONST + name
    while candidate in taken:
        candidate += "'"
    taken.add(candidate)
    return candidate


def _skolemise(eq: Equation, taken: set[str]) -> tuple[Term, Term]:
    """``eq``'s sides with each variable ``x`` replaced by a fresh constant ``@x``."""
    subst: dict[str, Term] = {v: _fresh(v, taken) for v in eq.variables()}
    return substitute(eq.lhs, subst), substitute(eq.rhs, subst)


# --------------------------------------------------------------------------------------------
# The certificate


@attrs.frozen
class RewriteCertificate:
    """A checked refutation of ``hypothesis ⇒ refuted`` by the convergent system ``rules``."""

    hypothesis: Equation
    refuted: Equation
    ordering: str
    rules: tuple[str, ...]  # "l -> r", in the ETP syntax, constants marked with @
    critical_pairs: int
    normal_forms: tuple[str, str]  # of the refuted equation's sides, its variables as constants @x…
    checked_by: str = CHECKED_BY

    def to_text(self) -> str:
        lines = [
            HEADER,
            f"checked-by: {self.checked_by}",
            f"hypothesis: {self.hypothesis.text()}",
            f"refuted: {self.refuted.text()}",
            f"ordering: {self.ordering}",
            *(f"rule: {r}" for r in self.rules),
            f"critical-pairs: {self.critical_pairs}",
            f"lhs-normal-form: {self.normal_forms[0]}",
            f"rhs-normal-form: {self.normal_forms[1]}",
        ]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_text(cls, text: str, file: str = "<certificate>", bounds: Bounds = DEFAULT_BOUNDS) -> RewriteCertificate:
        """Parse a certificate and check it again (a ``CertificateError`` with ``line:col`` if it
        is malformed or does not check)."""
        return _read(text, file, bounds)


class _Failure(CertificateError):
    """A failed check with what it concerns: a rule's index, or "critical-pairs", "hypothesis",
    "refuted" (``from_text`` turns it into the line of the certificate)."""

    def __init__(self, where: int | str, message: str) -> None:
        super().__init__(message)
        self.where = where


def _rule_problem(rule: Rule, order: Ordering) -> str | None:
    lhs, rhs = rule
    if isinstance(lhs, str) and is_var(lhs):
        return "the left side of a rule is a variable"
    if not variables(rhs) <= variables(lhs):
        return "the right side of a rule has a variable that is not on its left side"
    if not order.greater(lhs, rhs):
        return f"the rule does not decrease in the ordering {order.text()}"
    return None


def _check_deadline(deadline: float, bounds: Bounds) -> None:
    if time.monotonic() > deadline:
        raise CertificateError(f"the check took more than {bounds.max_seconds:g} s")


def _check_system(a: Equation, b: Equation, rules: Sequence[Rule], bounds: Bounds,
                  deadline: float) -> tuple[int, Term, Term]:
    """Steps 2–4 for rules already known to decrease: the number of critical pairs and the
    normal forms of ``b``'s sides (a ``_Failure`` saying what failed otherwise), within the
    check's ``deadline``."""
    rewriter = _Rewriter(rules, bounds, deadline)
    count = 0
    try:
        for i, j, p, s, t in critical_pairs(rules):
            count += 1
            if count > bounds.max_critical_pairs:
                raise CertificateError(f"more than {bounds.max_critical_pairs} critical pairs")
            rewriter.tick()
            ns, nt = rewriter.normal_form(s), rewriter.normal_form(t)
            if ns != nt:
                where = "".join(map(str, p)) or "the root"
                raise _Failure(i, f"not locally confluent: rule {j + 1} overlaps rule {i + 1} at position {where}, "
                                  f"the critical pair {term_text(s)} = {term_text(t)} has distinct normal forms "
                                  f"{term_text(ns)} and {term_text(nt)}")
    except _Failure:
        raise
    except CertificateError as err:
        raise _Failure("critical-pairs", err.message) from None
    taken: set[str] = set()
    for rule in rules:
        taken |= constants_of(rule[0]) | constants_of(rule[1])
    try:
        al, ar = _skolemise(a, set(taken))
        nal, nar = rewriter.normal_form(al), rewriter.normal_form(ar)
    except CertificateError as err:
        raise _Failure("hypothesis", err.message) from None
    if nal != nar:
        raise _Failure("hypothesis", f"the hypothesis {a.text()} is not joinable: its sides (variables as "
                                     f"constants) have the normal forms {term_text(nal)} and {term_text(nar)}")
    try:
        bl, br = _skolemise(b, set(taken))
        nbl, nbr = rewriter.normal_form(bl), rewriter.normal_form(br)
    except CertificateError as err:
        raise _Failure("refuted", err.message) from None
    if nbl == nbr:
        raise _Failure("refuted", f"the refuted equation {b.text()} holds in the quotient: both sides, variables "
                                  f"as fresh constants, have the normal form {term_text(nbl)}")
    return count, nbl, nbr


def _candidate_equations(clauses: Sequence[Clause], bounds: Bounds) -> list[Rule]:
    equations: list[Rule] = []
    for clause in clauses:
        unit = clause.unit()
        if unit is None or not unit.positive:
            continue
        for side in (unit.lhs, unit.rhs):
            if size(side) > bounds.max_rule_size:
                raise CertificateError(f"clause {clause.name} has a side of more than {bounds.max_rule_size} nodes")
        if unit.lhs != unit.rhs:
            equations.append((unit.lhs, unit.rhs))
    if len(equations) > bounds.max_rules:
        raise CertificateError(f"the saturation has {len(equations)} positive unit equations "
                               f"(more than {bounds.max_rules})")
    return equations


def _orient(equations: Sequence[Rule], order: Ordering) -> tuple[list[Rule], Rule | None]:
    rules: list[Rule] = []
    for s, t in equations:
        if _rule_problem((s, t), order) is None:
            rules.append(canonical((s, t)))
        elif _rule_problem((t, s), order) is None:
            rules.append(canonical((t, s)))
        else:
            return rules, (s, t)
    return rules, None


def check_saturation(a: Equation, b: Equation, clauses: Sequence[Clause],
                     bounds: Bounds = DEFAULT_BOUNDS) -> RewriteCertificate:
    """A certificate that ``a`` does not imply ``b`` from the positive unit equations of E's
    saturation (nothing else of it is used), or a ``CertificateError`` saying what failed."""
    deadline = time.monotonic() + bounds.max_seconds
    equations = _candidate_equations(clauses, bounds)
    constants: set[str] = set()
    for s, t in equations:
        constants |= constants_of(s) | constants_of(t)
    tried: set[tuple[Rule, ...]] = set()
    first_error: CertificateError | None = None
    unoriented: Rule | None = None
    for order in candidate_orderings(sorted(constants), bounds):
        _check_deadline(deadline, bounds)
        rules, failed = _orient(equations, order)
        if failed is not None:
            unoriented = unoriented or failed
            continue
        if tuple(rules) in tried:
            continue
        tried.add(tuple(rules))
        try:
            count, nl, nr = _check_system(a, b, rules, bounds, deadline)
        except CertificateError as err:
            first_error = first_error or err
            continue
        return RewriteCertificate(a, b, order.text(), tuple(rule_text(r) for r in rules), count,
                                  (term_text(nl), term_text(nr)))
    if first_error is not None:
        raise CertificateError(f"{first_error.message} (with {len(tried)} orientation(s) of the "
                               f"{len(equations)} equations tried)")
    if unoriented is None:
        raise CertificateError("no ordering was tried (bounds.max_orderings)")
    raise CertificateError(f"no ordering tried orients every equation: e.g. {term_text(unoriented[0])} = "
                           f"{term_text(unoriented[1])} cannot be oriented (unfailing completion is not supported)")


def refute_by_saturation(a: Equation, b: Equation, seconds: float,
                         bounds: Bounds = DEFAULT_BOUNDS) -> RewriteCertificate:
    """Run E on ``a ⊢ b`` and check its saturation (``CertificateError`` with E's status and reason
    when E does not report ``CounterSatisfiable``)."""
    result = run_eprover(a, b, seconds)
    if result.status != "CounterSatisfiable":
        reason = f": {result.reason}" if result.reason else ""
        raise CertificateError(f"E did not saturate {a.text()} ⊢ {b.text()} (status {result.status}{reason})")
    return check_saturation(a, b, result.clauses, bounds)


def recheck(text: str, file: str = "<certificate>", bounds: Bounds = DEFAULT_BOUNDS) -> RewriteCertificate:
    """Parse a certificate's text and check it again from scratch (no E involved)."""
    return RewriteCertificate.from_text(text, file, bounds)


# --------------------------------------------------------------------------------------------
# Reading certificates


class _TermReader(EquationParser):
    """Terms of the certificate: the ETP syntax plus constants ``@name``; columns are 1-based."""

    def __init__(self, text: str, line: int, col: int, file: str) -> None:
        super().__init__(text, Location(file, line, col))
        self.line, self.col0, self.file = line, col, file

    def error(self, message: str, pos: int | None = None) -> CertificateError:
        at = self.pos if pos is None else pos
        return CertificateError(message, Location(self.file, self.line, self.col0 + at))

    def at_end(self) -> bool:
        return self.peek() == ""

    def looking_at(self, word: str) -> bool:
        self.skip()
        return self.text.startswith(word, self.pos)

    def expect(self, word: str) -> None:
        if not self.looking_at(word):
            raise self.error(f"expected {word!r}")
        self.pos += len(word)

    leaf_in_parentheses = True

    def leaf(self, c: str) -> Term:
        """A variable or a constant ``@name`` (names may contain ``_`` and ``'``)."""
        start = self.pos
        if c == CONST:
            self.pos += 1
        if self.pos < len(self.text) and self.text[self.pos].isascii() and self.text[self.pos].isalpha() \
                and (c == CONST or self.text[self.pos].islower()):
            while self.pos < len(self.text) and (self.text[self.pos].isascii() and
                                                 (self.text[self.pos].isalnum() or self.text[self.pos] in "_'")):
                self.pos += 1
            return self.text[start:self.pos]
        raise self.error("expected a variable, a constant @name or '('" if c else "unexpected end of the line", start)

    def number(self) -> int:
        self.skip()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos].isdigit():
            self.pos += 1
        if start == self.pos or self.pos - start > 9:
            raise self.error("expected a number (at most 9 digits)", start)
        return int(self.text[start:self.pos])

    def word(self) -> str:
        self.skip()
        start = self.pos
        while self.pos < len(self.text) and not self.text[self.pos].isspace():
            self.pos += 1
        if start == self.pos:
            raise self.error("expected a word")
        return self.text[start:self.pos]

    def end(self) -> None:
        if not self.at_end():
            raise self.error("unexpected text at the end of the line")


@attrs.frozen
class _Line:
    number: int
    key: str
    value: str
    col: int  # column of the value


def _lines(text: str, file: str, bounds: Bounds) -> list[_Line]:
    if len(text) > bounds.max_text:
        raise CertificateError(f"certificate longer than {bounds.max_text} characters", Location(file, 1, 1))
    out: list[_Line] = []
    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not header_seen:
            if stripped != HEADER:
                raise CertificateError(f"expected the header {HEADER!r}", Location(file, number, 1))
            header_seen = True
            continue
        key, sep, _value = raw.partition(":")
        if not sep or not key.strip() or " " in key.strip():
            raise CertificateError("expected 'key: value'", Location(file, number, 1))
        col = len(key) + 2
        while col - 1 < len(raw) and raw[col - 1] in " \t":
            col += 1
        out.append(_Line(number, key.strip(), raw[col - 1:].rstrip(), col))
    if not header_seen:
        raise CertificateError(f"empty certificate (expected the header {HEADER!r})", Location(file, 1, 1))
    return out


_KEYS = ("checked-by", "hypothesis", "refuted", "ordering", "rule", "critical-pairs", "lhs-normal-form",
         "rhs-normal-form")


def _read_ordering(line: _Line, file: str) -> Ordering:
    r = _TermReader(line.value, line.number, line.col, file)
    start = r.pos
    kind = r.word()
    if kind not in KINDS:
        raise r.error("expected the ordering kind kbo or lpo", start)
    r.skip()
    start = r.pos
    status = r.word()
    if status not in STATUSES:
        raise r.error("expected the argument status left-to-right or right-to-left", start)
    weights: list[tuple[str, int]] = []
    if kind == "kbo":
        r.expect("weights")
        while not r.looking_at("precedence"):
            r.skip()
            start = r.pos
            symbol = OP if r.looking_at(OP) else ""
            if symbol:
                r.pos += len(OP)
            else:
                leaf = r.atom(0)
                if not (isinstance(leaf, str) and leaf.startswith(CONST)):
                    raise r.error("expected ◇ or a constant @name", start)
                symbol = leaf
            r.expect("=")
            weights.append((symbol, r.number()))
            if r.at_end():
                raise r.error("expected 'precedence'")
    r.expect("precedence")
    precedence: list[str] = []
    while True:
        r.skip()
        start = r.pos
        if r.looking_at(OP):
            r.pos += len(OP)
            precedence.append(OP)
        else:
            leaf = r.atom(0)
            if not (isinstance(leaf, str) and leaf.startswith(CONST)):
                raise r.error("expected ◇ or a constant @name", start)
            precedence.append(leaf)
        if r.at_end():
            break
        r.expect(">")
    order = Ordering(kind, status, tuple(precedence), tuple(weights))
    problem = order.validate()
    if problem is not None:
        raise CertificateError(problem, Location(file, line.number, line.col))
    return order


def _read_rule(line: _Line, file: str, bounds: Bounds) -> Rule:
    r = _TermReader(line.value, line.number, line.col, file)
    lhs = r.side()
    r.expect("->")
    rhs = r.side()
    r.end()
    for side in (lhs, rhs):
        if size(side) > bounds.max_rule_size:
            raise CertificateError(f"a rule side has more than {bounds.max_rule_size} nodes",
                                   Location(file, line.number, line.col))
    return lhs, rhs


def _read_term(line: _Line, file: str) -> Term:
    r = _TermReader(line.value, line.number, line.col, file)
    t = r.side()
    r.end()
    return t


def _read(text: str, file: str, bounds: Bounds) -> RewriteCertificate:
    lines = _lines(text, file, bounds)
    single: dict[str, _Line] = {}
    rule_lines: list[_Line] = []
    for line in lines:
        if line.key not in _KEYS:
            raise CertificateError(f"unknown key {line.key!r} (expected one of {', '.join(_KEYS)})",
                                   Location(file, line.number, 1))
        if line.key == "rule":
            rule_lines.append(line)
        elif line.key in single:
            raise CertificateError(f"{line.key!r} given twice (first on line {single[line.key].number})",
                                   Location(file, line.number, 1))
        else:
            single[line.key] = line
    last = lines[-1].number + 1 if lines else 2
    for key in _KEYS:
        if key != "rule" and key not in single:
            raise CertificateError(f"missing {key!r}", Location(file, last, 1))
    if len(rule_lines) > bounds.max_rules:
        raise CertificateError(f"more than {bounds.max_rules} rules", Location(file, rule_lines[0].number, 1))

    def at(key: str) -> Location:
        return Location(file, single[key].number, single[key].col)

    if single["checked-by"].value != CHECKED_BY:
        raise CertificateError(f"expected checked-by {CHECKED_BY!r}", at("checked-by"))
    equations: dict[str, Equation] = {}
    for key in ("hypothesis", "refuted"):
        try:
            equations[key] = parse_equation(single[key].value, at(key))
        except EquationError as err:
            raise CertificateError(err.message, err.loc) from err
    a, b = equations["hypothesis"], equations["refuted"]
    order = _read_ordering(single["ordering"], file)
    rules = [_read_rule(line, file, bounds) for line in rule_lines]
    count_line = single["critical-pairs"]
    claimed_count = _TermReader(count_line.value, count_line.number, count_line.col, file).number()
    claimed_nf = (_read_term(single["lhs-normal-form"], file), _read_term(single["rhs-normal-form"], file))

    for line, (lhs, rhs) in zip(rule_lines, rules, strict=True):
        loc = Location(file, line.number, line.col)
        unknown = (constants_of(lhs) | constants_of(rhs)) - order.symbols()
        if unknown:
            raise CertificateError(f"constant {sorted(unknown)[0]} is not in the ordering's precedence", loc)
        problem = _rule_problem((lhs, rhs), order)
        if problem is not None:
            raise CertificateError(problem, loc)
    try:
        count, nl, nr = _check_system(a, b, rules, bounds, time.monotonic() + bounds.max_seconds)
    except _Failure as err:
        if isinstance(err.where, int):
            loc = Location(file, rule_lines[err.where].number, rule_lines[err.where].col)
        else:
            loc = at(err.where)
        raise CertificateError(err.message, loc) from None
    if count != claimed_count:
        raise CertificateError(f"the certificate claims {claimed_count} critical pairs, there are {count}",
                               at("critical-pairs"))
    for key, claimed, actual in (("lhs-normal-form", claimed_nf[0], nl), ("rhs-normal-form", claimed_nf[1], nr)):
        if claimed != actual:
            raise CertificateError(f"the claimed normal form is not the one computed ({term_text(actual)})", at(key))
    return RewriteCertificate(a, b, order.text(), tuple(rule_text(r) for r in rules), count,
                              (term_text(nl), term_text(nr)))


__all__ = ["CHECKED_BY", "DEFAULT_BOUNDS", "Bounds", "CertificateError", "Ordering", "RewriteCertificate",
           "candidate_orderings", "check_saturation", "critical_pairs", "recheck", "refute_by_saturation"]
