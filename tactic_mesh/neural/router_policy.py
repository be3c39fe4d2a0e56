"""The learned router as a search policy (torch): the Mixture-of-Tactics in the search harness.

At a node the state is encoded (``neural/encoder.py``), the router selects the top-``k`` experts
by biased affinity (``neural/router.py``), each selected expert proposes its typed tactic calls
(``neural/experts/``) and scores them with its head (``neural/model.py``); for the experts that
select premises only the ``premises_kept`` best-scored calls with a library lemma stay.  **Every
proposal is checked by the typing judgment** (``typing.api.check`` of the call as a program on
the state, required to be able to succeed) before the search may run it; the checks are counted
(``validity``).  A candidate's score is ``log gate_e + log softmax_e(score)``: the log-probability
of the expert times that of the call within it, which the best-first search sums along a path
(``neural/scored.py``).  When no selected expert proposes anything valid, the next experts by
affinity are asked, so sparsity never leaves a node without candidates another expert has; with
``fallback=True`` (the default) the own proposals of the unselected experts follow, unscored and
``FALLBACK_COST`` nats below the worst selected candidate — the router orders the search, it does
not take a tactic away from it.

With ``critic=True`` the progress critic (``neural/critic.py``) joins in: a candidate's score adds
the critic's ``log p(accept)``, and a node's priority adds ``β · r`` (``beta``), its predicted steps
left — the search orders by ``Σ log p − β · remaining`` (lower cost first).

With ``online=True`` the router's bias is updated after every routing call (the
auxiliary-loss-free balancing, at inference as in training).  Correctness never rests on any of
this: the search runs the candidates in the machine and the session admits a proof only after the
kernel re-checked it.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

import attrs
import torch
from torch import nn

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.tactics import FAMILIES, HANDLERS, Candidate, GoalView
from tactic_mesh.handlers.policy import SearchNode
from tactic_mesh.kernel.errors import TacticMeshError
from tactic_mesh.kernel.expr import Expr
from tactic_mesh.neural.checkpoint import Checkpoint
from tactic_mesh.neural.encoder import Encoding
from tactic_mesh.neural.experts import EXPERTS
from tactic_mesh.neural.experts.base import premise_statement
from tactic_mesh.neural.features import routing_features
from tactic_mesh.neural.model import MoTModel
from tactic_mesh.neural.router import LoadStats, Routing
from tactic_mesh.neural.scored import ScoredPolicy
from tactic_mesh.neural.tokens import state_tokens, statement_tokens
from tactic_mesh.neural.train import actions_of, call_actions
from tactic_mesh.typing.api import block_program, check

RemoteExperts = Callable[[ProofState, list[str]], list[tuple[str, str, float]]]
"""Experts elsewhere (a mesh): ``(state, families) -> [(family, tactic text, score)]``."""
FALLBACK_COST = 3.0  # nats below the worst candidate of the selected experts
ENCODINGS_KEPT = 256  # the last states encoded: a child's priority and its expansion share one encoding


@attrs.define
class RouterStats:
    calls: int = 0
    route_seconds: float = 0.0  # encoding + routing, summed over the calls
    proposed: int = 0  # proposals checked by the typing judgment …
    valid: int = 0  # … and accepted

    @property
    def validity(self) -> float:
        return self.valid / self.proposed if self.proposed else 1.0

    @property
    def latency_ms(self) -> float:
        return 1000.0 * self.route_seconds / self.calls if self.calls else 0.0


def remote_candidate(family: str, text: str) -> Candidate | None:
    """A proposal received as text, as a candidate (None when it does not parse as one tactic)."""
    from tactic_mesh.calculus.tactic_syntax import TacticError, call_of, erase_positions

    if not 0 < len(text) <= 4096 or "\n" in text:
        return None
    try:
        return Candidate(erase_positions((call_of(text.strip(), 1, 1),))[0], family)
    except (TacticError, ValueError, RecursionError):
        return None


def well_typed(candidate: Candidate, view: GoalView) -> bool:
    """Whether the typing judgment accepts ``candidate`` as a program on ``view``'s state (one that
    can succeed)."""
    program, locations = block_program([candidate.call])
    try:
        check(program, view.state, handlers=HANDLERS, foreign_symbols=("tactic",), locations=locations,
              require_success=True)
    except TacticMeshError:
        return False
    return True


class RouterPolicy(ScoredPolicy):
    name = "router"

    def __init__(self, checkpoint: Checkpoint | MoTModel, online: bool = True, fallback: bool = True,
                 critic: bool = False, beta: float = 0.5, hosted: frozenset[str] | None = None,
                 remote: RemoteExperts | None = None) -> None:
        super().__init__()
        self.hosted = hosted
        self.remote = remote
        self.critic = critic
        self.beta = beta
        torch.set_num_threads(1)  # one state at a time: intra-op threads cost more than they give
        self.fallback = fallback
        self.model = checkpoint.model if isinstance(checkpoint, Checkpoint) else checkpoint
        self.model.eval()
        self.online = online
        self.stats = RouterStats()
        self.load = LoadStats(len(FAMILIES))
        self._lemmas: dict[tuple[str, Expr], torch.Tensor] = {}
        self._encodings: OrderedDict[int, tuple[ProofState, Encoding]] = OrderedDict()

    def _encode(self, state: ProofState) -> Encoding:
        """``state``'s encoding, from the cache of the last ``ENCODINGS_KEPT`` states (keyed by
        identity; the state is kept with it, so its ``id`` cannot be reused while cached)."""
        hit = self._encodings.get(id(state))
        if hit is not None and hit[0] is state:
            self._encodings.move_to_end(id(state))
            return hit[1]
        enc = self.model.encode([state_tokens(state)])
        self._encodings[id(state)] = (state, enc)
        if len(self._encodings) > ENCODINGS_KEPT:
            self._encodings.popitem(last=False)
        return enc

    def _lemma_vectors(self, view: GoalView, names: set[str]) -> dict[str, torch.Tensor]:
        env = view.state.environment
        keyed = {n: (n, premise_statement(env, n)) for n in names}
        todo = {n: statement_tokens(k[1]) for n, k in keyed.items() if k not in self._lemmas}
        if todo:
            for n, vec in self.model.lemma_vectors(todo).items():
                self._lemmas[keyed[n]] = vec
        return {n: self._lemmas[k] for n, k in keyed.items()}

    @torch.no_grad()
    def route(self, view: GoalView) -> tuple[Encoding, Routing]:
        """One router call: the state's encoding and its routing (timed into ``stats``)."""
        start = time.perf_counter()
        enc = self._encode(view.state)
        features = torch.tensor([routing_features(view.state, view.goal).vector()], dtype=torch.float32)
        routing = self.model.route(enc, features)
        self.stats.route_seconds += time.perf_counter() - start
        self.stats.calls += 1
        return enc, routing

    @torch.no_grad()
    def remaining(self, state: ProofState) -> float:
        """The critic's predicted steps left to close ``state``'s main goal (0 when it has none)."""
        view = GoalView.of(state)
        if view is None:
            return 0.0
        enc = self._encode(state)
        return float(self.model.critic.log_remaining(enc.states).exp()[0])

    @torch.no_grad()
    def accept_probabilities(self, state: ProofState, calls: list[TacticCall]) -> list[float]:
        """The critic's probability that each of ``calls`` applies on ``state``."""
        view = GoalView.of(state)
        if view is None or not calls:
            return [0.0] * len(calls)
        enc = self._encode(state)
        actions = call_actions(calls, view)
        lemmas = self._lemma_vectors(view, {a.lemma for a in actions if a.lemma})
        logits = self.model.critic.accept_logits(enc.states[0], self.model.action_vectors(enc, 0, actions, lemmas))
        return [float(p) for p in torch.sigmoid(logits)]

    @torch.no_grad()
    def sketch(self, state: ProofState) -> list[int]:
        """The sketch head's next families for ``state``'s main goal (``neural/sketch.py``)."""
        if GoalView.of(state) is None:
            return []
        return self.model.sketch.propose(self._encode(state).states[0])

    def priority(self, node: SearchNode) -> tuple[float, ...]:
        base = super().priority(node)
        if not self.critic:
            return base
        return (base[0] + self.beta * self.remaining(node.state), *base[1:])

    @torch.no_grad()
    def rank(self, view: GoalView) -> list[tuple[Candidate, float]]:
        enc, routing = self.route(view)
        if self.online:
            self.model.router.update_bias(routing.selected)
        self.load.add(routing.selected)
        s = routing.affinities[0]
        selected = [int(e) for e in routing.selected[0].tolist()]
        rest = sorted(set(range(len(FAMILIES))) - set(selected),
                      key=lambda e: -float(s[e] + self.model.router.bias[e]))
        ranked: list[tuple[Candidate, float]] = []
        for group in (selected, *[[e] for e in rest]):
            ranked = self._rank_group(view, enc, group, s)
            if ranked:
                break
        ranked.sort(key=lambda cs: -cs[1])
        if self.fallback:
            local = [e for e in rest if self.hosts(e)]
            ranked += self._fallback(view, local, {c for c, _ in ranked}, ranked[-1][1] if ranked else 0.0)
        return ranked

    def hosts(self, expert: int) -> bool:
        """Whether this policy runs expert ``expert`` itself (all of them unless ``hosted`` says)."""
        return self.hosted is None or FAMILIES[expert] in self.hosted

    def _rank_group(self, view: GoalView, enc: Encoding, group: list[int],
                    s: torch.Tensor) -> list[tuple[Candidate, float]]:
        """The experts of ``group``: the hosted ones here, the others through ``remote`` (their
        proposals parsed and checked by the typing judgment here, like every other candidate)."""
        total = float(s[group].sum().clamp(min=1e-9))
        local = [e for e in group if self.hosts(e)]
        far = [e for e in group if not self.hosts(e)]
        out = self._rank_experts(view, enc, local, s, total) if local else []
        if far and self.remote is not None:
            out += self._remote_ranked(view, far, s, total, {c for c, _ in out})
        return out

    def _remote_ranked(self, view: GoalView, experts: list[int], s: torch.Tensor, total: float,
                       seen: set[Candidate]) -> list[tuple[Candidate, float]]:
        assert self.remote is not None
        families = {FAMILIES[e]: e for e in experts}
        calls = {c.call for c in seen}  # one call once, whichever peer or family proposed it
        out: list[tuple[Candidate, float]] = []
        for family, text, score in self.remote(view.state, list(families)):
            e = families.get(family)
            cand = remote_candidate(family, text) if e is not None else None
            self.stats.proposed += 1
            if cand is None or cand.call in calls or not math.isfinite(score) or not well_typed(cand, view):
                continue
            calls.add(cand.call)
            self.stats.valid += 1
            assert e is not None
            out.append((cand, min(0.0, score) + math.log(max(float(s[e]) / total, 1e-9))))
        return out

    @torch.no_grad()
    def propose_families(self, view: GoalView, families: list[str]) -> list[tuple[Candidate, float]]:
        """What this policy's experts of ``families`` propose on ``view`` with their scores (each
        family's log-softmax; the asker adds its own gate): a mesh node serving expert calls."""
        enc, routing = self.route(view)
        s = routing.affinities[0]
        out: list[tuple[Candidate, float]] = []
        for f in families:
            if f in FAMILIES and self.hosts(FAMILIES.index(f)):
                e = FAMILIES.index(f)
                out += self._rank_experts(view, enc, [e], s, float(s[e].clamp(min=1e-9)))
        return out

    def _fallback(self, view: GoalView, experts: list[int], seen: set[Candidate],
                  floor: float) -> list[tuple[Candidate, float]]:
        """The own proposals of the experts the router did not select, after every selected one and
        in the order of their affinities: sparsity orders the search but removes nothing."""
        out: list[tuple[Candidate, float]] = []
        for e in experts:
            for c in EXPERTS[e].propose(view):
                if c in seen:
                    continue
                seen.add(c)
                self.stats.proposed += 1
                if well_typed(c, view):
                    self.stats.valid += 1
                    out.append((c, floor - FALLBACK_COST - 0.01 * len(out)))
        return out

    def _rank_experts(self, view: GoalView, enc: Encoding, experts: list[int], s: torch.Tensor,
                      total: float) -> list[tuple[Candidate, float]]:
        """The proposals of ``experts``, each gated by its affinity over ``total``."""
        gates = s[experts] / total
        out: list[tuple[Candidate, float]] = []
        seen: set[Candidate] = set()
        for gate, e in zip(gates.tolist(), experts, strict=True):
            plain, with_premise = EXPERTS[e].candidates(view)
            cands = [c for c in plain + with_premise if c not in seen]
            if not cands:
                continue
            actions = actions_of(cands, view)
            lemmas = self._lemma_vectors(view, {a.lemma for a in actions if a.lemma})
            vectors = self.model.action_vectors(enc, 0, actions, lemmas)
            scores = self.model.expert_scores(enc, 0, e, vectors)
            premise_set = set(with_premise)
            order = sorted(range(len(cands)), key=lambda i: -float(scores[i]))
            kept: list[int] = []
            premises_left = self.model.cfg.premises_kept
            for i in order:  # every call the search may run is checked by the typing judgment first
                is_premise = cands[i] in premise_set
                if is_premise and premises_left == 0:
                    continue
                self.stats.proposed += 1
                if well_typed(cands[i], view):
                    self.stats.valid += 1
                    kept.append(i)
                    premises_left -= int(is_premise)
            if not kept:
                continue
            logp = torch.log_softmax(scores[kept], dim=0) + math.log(max(gate, 1e-9))
            if self.critic:
                logp = logp + nn.functional.logsigmoid(self.model.critic.accept_logits(enc.states[0], vectors[kept]))
            for j, i in enumerate(kept):
                seen.add(cands[i])
                out.append((cands[i], float(logp[j])))
        return out
