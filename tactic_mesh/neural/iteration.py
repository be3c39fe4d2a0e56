"""Expert iteration: search with the current policy, keep only what the kernel checked, retrain,
search again (``tactic-mesh train --iterations K``, ``bench/learning.py``).

One **harvest** (``harvest_search``) is one search of a training theorem, observed as an AND/OR
hypergraph (``neural/search_graph.py``):

* if it found a proof, the kernel admits it (``admit_theorem``) and its steps are kept;
* with ``hindsight``, every sub-goal it closed — on a failed search too — is re-checked by the
  kernel as a theorem of its own and its steps are kept (``neural/hindsight.py``);
* each kept step is weighted by its proof-DAG credit (``neural/proof_dag.py``), normalised to mean 1
  and clipped to ``[0.2, 5]``; with the critic, the weight adds the potential-based shaping
  ``η · (r(s) − r(s'))`` (``r``: the critic's predicted steps left, ``s'`` the state of the next step
  on the same goal, ``r = 0`` once it is closed);
* each kept step carries its critic label (steps that closed its goal) and its sketch labels (the
  families of the next steps on its goal's proof);
* with the critic, up to ``attempt_states`` states the search expanded teach the critic's
  acceptance head with every candidate tried on them and whether it applied.

The k-NN store learns each harvest's checked steps as soon as they are checked, and the router's
bias is updated online during the search (``RouterPolicy(online=True)``).  After a round over the
training theorems the model is retrained on the library's own steps plus the latest harvest of every
theorem (its latest proof if it ever had one).  Each round retrains from a fresh initialisation on
all of that data (as Polu et al. do from the base model), not from the previous round's weights:
warm-started rounds drifted away from the library's proofs and lost held-out success round after
round; ``warm_start=True`` keeps the old behaviour.  Every round trains with the same seed (the
same initialisation and draws), so what changes from one round to the next is its data, not a
new initialisation.  With ``accumulate`` a round trains on every distinct checked step any round
found so far (as Polu et al. keep every proof found), so a round's data only grows; the
acceptance head still learns from the latest searches only.  Every label is a
kernel-checked outcome or the machine's own verdict on a step; nothing a model predicted is ever a
label.
"""

from __future__ import annotations

import copy
import random
import statistics
import time
from collections.abc import Callable, Sequence

import attrs

from tactic_mesh.calculus.assembly import final_proof_term
from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactics import FAMILIES
from tactic_mesh.handlers.policy import SearchNode, SearchPolicy, Step
from tactic_mesh.handlers.search import Searcher
from tactic_mesh.kernel.declarations import TheoremRefused, admit_theorem
from tactic_mesh.kernel.deep import run_deep
from tactic_mesh.kernel.errors import KernelLimitError
from tactic_mesh.neural.hindsight import SubProof, harvest, root_proof
from tactic_mesh.neural.knn import KnnPolicy
from tactic_mesh.neural.model import ModelConfig, MoTModel, family_of
from tactic_mesh.neural.search_graph import SearchGraph
from tactic_mesh.neural.sketch import DEPTH, END
from tactic_mesh.neural.traces import LibraryTheorem
from tactic_mesh.neural.train import Sample, TrainReport, attempt_sample, make_sample, make_samples, train

MAX_ATTEMPTS = 16  # per state that teaches the acceptance head


@attrs.frozen
class IterationConfig:
    iterations: int = 3
    hindsight: bool = True
    critic: bool = True
    beta: float = 0.5  # the critic's weight in the node priority
    shaping: float = 0.25  # η, the critic's shaped reward
    max_nodes: int = 40
    seconds: float = 1.0
    epochs: int = 10  # per round
    warm_start: bool = False  # from the previous round's weights instead of a fresh initialisation
    from_base: bool = False  # from the iteration-0 model's weights (fine-tuned ``epochs`` on the round's data)
    attempt_states: int = 8
    hindsight_checks: int = 60  # kernel checks per search
    seed: int = 0
    lazy: bool = False  # lazy expansions (``Searcher(lazy=True)``): a node's candidates one child at a time
    accumulate: bool = False  # train on every round's checked steps so far, not only each theorem's latest harvest


@attrs.frozen
class Harvest:
    theorem: str
    proved: bool
    samples: tuple[Sample, ...] = attrs.field(repr=False)
    steps: tuple[Step, ...] = attrs.field(repr=False)  # the checked steps (for the k-NN store)
    subproofs: int  # closed sub-goals the kernel re-checked (the proof itself not counted)
    attempts: int  # candidates tried


def _sketch(sub: SubProof, k: int) -> tuple[int, ...]:
    out: list[int] = []
    for t in sub.follow[k][:DEPTH]:
        family = family_of(sub.steps[t][1])
        if family is None:
            return tuple(out)
        out.append(FAMILIES.index(family))
    if len(out) < DEPTH:
        out.append(END)
    return tuple(out)


def _weights(graph: SearchGraph, subs: Sequence[SubProof]) -> dict[tuple[int, object], float]:
    credit = graph.dag.credit()
    keys = {(id(s), c) for sub in subs for s, c in sub.steps}
    found = {k: credit[graph.edge_of[k]] for k in keys if k in graph.edge_of}
    positive = [v for v in found.values() if v > 0]
    mean = statistics.mean(positive) if positive else 1.0
    return {k: min(5.0, max(0.2, v / mean)) for k, v in found.items()}


def harvest_search(theorem: LibraryTheorem, policy: SearchPolicy | None, cfg: IterationConfig,
                   rng: random.Random, remaining: Callable[[ProofState], float] | None = None) -> Harvest:
    """One observed search of ``theorem`` and what the kernel lets it teach (module docstring);
    ``remaining``: the critic's steps-left estimate, for the shaped reward.  All of it runs under
    ``run_deep``: a long search path makes deep proof terms, and their admission, the hindsight
    checks and the samples' tokens recurse over them."""
    return run_deep(_harvest_search, theorem, policy, cfg, rng, remaining)


def _harvest_search(theorem: LibraryTheorem, policy: SearchPolicy | None, cfg: IterationConfig,
                    rng: random.Random, remaining: Callable[[ProofState], float] | None) -> Harvest:
    env, levels = theorem.environment, theorem.level_params
    graph = SearchGraph()
    state = ProofState.initial(env, theorem.statement, level_params=levels)
    result = Searcher(cfg.max_nodes, cfg.seconds, policy, observer=graph, lazy=cfg.lazy).search(state)
    subs: list[SubProof] = []
    proved = False
    if result.state is not None:
        try:
            admit_theorem(env, f"_iteration.{theorem.name}", levels, theorem.statement,
                          final_proof_term(result.state))
            proved = True
        except TheoremRefused:
            pass
        root = root_proof(SearchNode(result.state, result.script, result.path)) if proved else None
        if root is not None:
            subs.append(root)
    checked_subs = harvest(graph.nodes, env, levels, cfg.hindsight_checks) if cfg.hindsight else []
    subs += checked_subs
    weights = _weights(graph, subs)
    samples: list[Sample] = []
    steps: list[Step] = []
    seen: set[tuple[int, object]] = set()
    for sub in subs:
        for k, step in enumerate(sub.steps):
            key = (id(step[0]), step[1])
            if key in seen:
                continue
            seen.add(key)
            w = weights.get(key, 1.0)
            if remaining is not None and cfg.shaping:
                nxt = sub.follow[k][1] if len(sub.follow[k]) > 1 else None
                after = remaining(sub.steps[nxt][0]) if nxt is not None else 0.0
                w = max(0.1, w + cfg.shaping * (remaining(step[0]) - after))
            sample = make_sample(step, rng, weight=w, remaining=len(sub.follow[k]), sketch=_sketch(sub, k))
            if sample is not None:
                samples.append(sample)
                steps.append(step)
    if cfg.critic:
        samples += _attempt_samples(graph, cfg.attempt_states, rng)
    return Harvest(theorem.name, proved, tuple(samples), tuple(steps), len(checked_subs), len(graph.attempts))


def _attempt_samples(graph: SearchGraph, states: int, rng: random.Random) -> list[Sample]:
    by_state: dict[int, list[int]] = {}
    for i, a in enumerate(graph.attempts):
        by_state.setdefault(id(a.state), []).append(i)
    groups = list(by_state.values())
    rng.shuffle(groups)
    out = []
    for group in groups[:states]:
        chosen = group if len(group) <= MAX_ATTEMPTS else rng.sample(group, MAX_ATTEMPTS)
        first = graph.attempts[chosen[0]]
        sample = attempt_sample(first.state, [(graph.attempts[i].call, graph.attempts[i].applied) for i in chosen])
        if sample is not None:
            out.append(sample)
    return out


@attrs.frozen
class Round:
    iteration: int
    proved: int  # training theorems whose search the kernel admitted this round
    theorems: int
    subproofs: int  # hindsight sub-goals re-checked this round
    samples: int  # trained on after the round
    search_seconds: float
    train_seconds: float
    report: TrainReport | None
    evaluation: dict[str, object] = attrs.field(factory=dict)
    too_deep: int = 0  # searches whose terms went beyond the kernel's limits (learned from: nothing)


@attrs.frozen
class Iterated:
    model: MoTModel = attrs.field(repr=False)
    knn: KnnPolicy = attrs.field(repr=False)
    rounds: tuple[Round, ...]


def make_policy(model: MoTModel, cfg: IterationConfig) -> SearchPolicy:
    from tactic_mesh.neural.router_policy import RouterPolicy

    return RouterPolicy(copy.deepcopy(model), online=True, critic=cfg.critic, beta=cfg.beta)


def iterate(theorems: Sequence[LibraryTheorem], model: MoTModel, knn: KnnPolicy, base: Sequence[Sample],
            cfg: IterationConfig, model_cfg: ModelConfig | None = None,
            evaluate: Callable[[MoTModel, KnnPolicy, int], dict[str, object]] | None = None,
            progress: Callable[[int, int, int], None] | None = None) -> Iterated:
    """``cfg.iterations`` rounds of expert iteration from ``model`` (round 0: ``model`` as given,
    only evaluated); ``base``: the samples every round trains on (the library's own steps);
    ``progress(round, done, total)`` after each search."""
    rng = random.Random(cfg.seed)
    rounds = [Round(0, 0, len(theorems), 0, len(base), 0.0, 0.0, None,
                    evaluate(model, knn, 0) if evaluate is not None else {})]
    latest: dict[str, Harvest] = {}
    kept: dict[tuple[object, ...], Sample] = {}  # with ``accumulate``: every checked step of every round
    first = model
    for it in range(1, cfg.iterations + 1):
        policy = make_policy(model, cfg)
        critic = getattr(policy, "remaining", None) if cfg.critic else None
        start = time.perf_counter()
        proved = subproofs = 0
        too_deep = 0
        for i, th in enumerate(theorems):
            try:
                h = harvest_search(th, policy, cfg, rng, critic)
            except KernelLimitError:  # a term beyond the kernel's limits: neither a proof nor a label
                too_deep += 1
                h = Harvest(th.name, False, (), (), 0, 0)
            knn.learn(h.steps)  # online: every checked step, as soon as it is checked
            proved += h.proved
            subproofs += h.subproofs
            old = latest.get(th.name)
            if old is None or h.proved or not old.proved:
                latest[th.name] = h
            if progress is not None:
                progress(it, i + 1, len(theorems))
        search_seconds = time.perf_counter() - start
        if cfg.accumulate:
            for h in latest.values():
                for s in h.samples:
                    if not s.attempts:  # the acceptance head learns from the latest searches only
                        kept.setdefault(_step_key(s), s)
            attempts = [s for h in latest.values() for s in h.samples if s.attempts]
            samples = [*base, *kept.values(), *attempts]
        else:
            samples = [*base, *(s for h in latest.values() for s in h.samples)]
        model, report = train(samples, model_cfg or model.cfg, epochs=cfg.epochs, seed=cfg.seed,
                              init=model if cfg.warm_start else first if cfg.from_base else None)
        rounds.append(Round(it, proved, len(theorems), subproofs, len(samples), round(search_seconds, 2),
                            report.seconds, report, evaluate(model, knn, it) if evaluate is not None else {},
                            too_deep))
    return Iterated(model, knn, tuple(rounds))


def _step_key(s: Sample) -> tuple[object, ...]:
    """A checked step as the model sees it: the same step found again in a later round is kept once."""
    return (s.tokens, s.actions, s.target, s.family, s.expert)


def base_samples(theorems: Sequence[LibraryTheorem], seed: int = 0) -> list[Sample]:
    """The samples of the library's own proofs of ``theorems``."""
    return make_samples([s for th in theorems for s in th.steps], seed)
