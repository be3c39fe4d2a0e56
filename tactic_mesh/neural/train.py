"""Training the Mixture-of-Tactics model from checked steps (``neural/traces.py``).

Each step ``(state, tactic)`` becomes a ``Sample``: the state's tokens and routing features, the
family of the tactic (the router's label: ``σ`` affinities trained with binary cross-entropy
against it), and — when the tactic is one of the proposals of its family's expert — those
proposals with the taken one marked (the expert's head trained with cross-entropy over them).  For
the experts that select premises, the proposals are the ones the expert always makes plus the
taken lemma and ``NEGATIVE_PREMISES`` other library lemmas drawn at random (seeded).  After each
batch the router's bias is updated from that batch's selections (``Router.update_bias``; off with
``balance=False``); the optional sequence-wise balance loss is ``ModelConfig.alpha``.

Expert iteration (``neural/iteration.py``) adds to a sample: a ``weight`` (the step's proof-DAG
credit, scaling its router and expert losses), the number of steps that closed its goal
(``remaining``: the critic's regression label), the families of the next steps on its goal's proof
(``sketch``: the sketch head's labels, ``END`` when the goal was closed) and, for states a search
tried candidates on, those candidates with whether they applied (``attempts``: the critic's
acceptance labels).  Seeds are fixed: the same steps, configuration and seed give the same model.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping, Sequence

import attrs
import torch
from torch import Tensor, nn

from tactic_mesh.calculus.state import ProofState
from tactic_mesh.calculus.tactic_syntax import TacticCall
from tactic_mesh.calculus.tactics import FAMILIES, Candidate, GoalView
from tactic_mesh.handlers.policy import Step
from tactic_mesh.neural.actions import action_key, referenced_lemma
from tactic_mesh.neural.encoder import Encoding
from tactic_mesh.neural.experts import EXPERTS
from tactic_mesh.neural.experts.base import premise_names, premise_statement
from tactic_mesh.neural.features import routing_features
from tactic_mesh.neural.model import Action, ModelConfig, MoTModel, family_of
from tactic_mesh.neural.sketch import END
from tactic_mesh.neural.tokens import Tokens, state_tokens, statement_tokens

NEGATIVE_PREMISES = 10


@attrs.frozen
class Sample:
    tokens: tuple[Tokens, ...]
    routing: tuple[float, ...]
    family: int | None  # the router's label
    expert: int | None  # the expert whose proposals contain the taken tactic …
    actions: tuple[Action, ...] = ()  # … those proposals …
    target: int = 0  # … and which of them was taken
    lemmas: tuple[tuple[str, Tokens], ...] = ()  # the statements of the lemmas the actions mention
    weight: float = 1.0  # the step's credit
    remaining: int | None = None  # steps that closed the step's goal (itself included)
    sketch: tuple[int, ...] = ()  # families of this and the next steps on its goal's proof (END: closed)
    attempts: tuple[tuple[Action, bool], ...] = ()  # candidates tried on the state, and whether they applied


def actions_of(cands: Sequence[Candidate], view: GoalView) -> list[Action]:
    return call_actions([c.call for c in cands], view)


def call_actions(calls: Sequence[TacticCall], view: GoalView) -> list[Action]:
    """The calls as the model sees them on ``view``'s state (``Action``)."""
    known = premise_names(view.state.environment)
    return [Action.of(action_key(c, view.hypotheses), referenced_lemma(c, known)) for c in calls]


def make_sample(step: Step, rng: random.Random, weight: float = 1.0, remaining: int | None = None,
                sketch: tuple[int, ...] = ()) -> Sample | None:
    """The sample of a checked step, with its credit and its critic and sketch labels (``Sample``)."""
    sample = _step_sample(step, rng)
    if sample is None:
        return None
    return attrs.evolve(sample, weight=weight, remaining=remaining, sketch=sketch)


def attempt_sample(state: ProofState, attempts: Sequence[tuple[TacticCall, bool]]) -> Sample | None:
    """The critic's acceptance sample of a state: the calls tried on it and whether they applied."""
    view = GoalView.of(state)
    if view is None or not attempts:
        return None
    acts = tuple(zip(call_actions([c for c, _ in attempts], view), [ok for _, ok in attempts], strict=True))
    env = state.environment
    lemmas = tuple((a.lemma, statement_tokens(premise_statement(env, a.lemma))) for a, _ in acts if a.lemma)
    return Sample(tuple(state_tokens(state)), tuple(routing_features(state, view.goal).vector()), None, None,
                  lemmas=tuple(dict(lemmas).items()), attempts=acts)


def _step_sample(step: Step, rng: random.Random) -> Sample | None:
    state, call = step
    view = GoalView.of(state)
    if view is None:
        return None
    family = family_of(call)
    fam_index = FAMILIES.index(family) if family is not None else None
    tokens = tuple(state_tokens(state))
    routing = tuple(routing_features(state, view.goal).vector())
    if fam_index is None:
        return Sample(tokens, routing, None, None)
    expert = EXPERTS[fam_index]
    gold = action_key(call, view.hypotheses)
    plain, with_premise = expert.candidates(view)
    keyed = [(c, action_key(c.call, view.hypotheses)) for c in plain]
    premise_keyed = [(c, action_key(c.call, view.hypotheses)) for c in with_premise]
    golds = [ck for ck in premise_keyed if ck[1] == gold]
    others = [ck for ck in premise_keyed if ck[1] != gold]
    chosen = keyed + golds + rng.sample(others, min(NEGATIVE_PREMISES, len(others)))
    keys = [k for _, k in chosen]
    if gold not in keys:
        return Sample(tokens, routing, fam_index, None)
    cands = [c for c, _ in chosen]
    actions = actions_of(cands, view)
    env = state.environment
    lemmas = tuple((a.lemma, statement_tokens(premise_statement(env, a.lemma))) for a in actions if a.lemma)
    return Sample(tokens, routing, fam_index, fam_index, tuple(actions), keys.index(gold), tuple(dict(lemmas).items()))


def make_samples(steps: Sequence[Step], seed: int = 0) -> list[Sample]:
    rng = random.Random(seed)
    out = []
    for step in steps:
        s = make_sample(step, rng)
        if s is not None:
            out.append(s)
    return out


@attrs.frozen
class TrainReport:
    samples: int
    expert_samples: int
    epochs: int
    seconds: float
    final_loss: float
    router_accuracy: float  # the taken tactic's family among the selected experts, on the training set
    load_cv: float  # of the selections over the last epoch


def _weights(batch: Sequence[Sample], rows: Sequence[int]) -> Tensor:
    return torch.tensor([batch[b].weight for b in rows], dtype=torch.float32)


def _critic_loss(model: MoTModel, enc: Encoding, batch: Sequence[Sample], lemma_vecs: Mapping[str, Tensor]) -> Tensor:
    """Acceptance (binary cross-entropy) and remaining steps (squared error on ``log``).  The critic
    learns on detached state and action vectors: its gradient never reaches the encoder, the
    experts' action embeddings or the router, so the policy the library proofs taught is not pulled
    towards predicting acceptance (the many attempt labels would otherwise outweigh the steps)."""
    loss = enc.states.new_zeros(())
    states = enc.states.detach()
    timed = [b for b, s in enumerate(batch) if s.remaining is not None]
    if timed:
        target = torch.tensor([math.log(float(batch[b].remaining or 1)) for b in timed])
        loss = loss + nn.functional.mse_loss(model.critic.log_remaining(states[timed]), target)
    accept_losses = []
    for b, s in enumerate(batch):
        if not s.attempts:
            continue
        vecs = model.action_vectors(enc, b, [a for a, _ in s.attempts], lemma_vecs).detach()
        logits = model.critic.accept_logits(states[b], vecs)
        labels = torch.tensor([float(ok) for _, ok in s.attempts])
        accept_losses.append(nn.functional.binary_cross_entropy_with_logits(logits, labels))
    if accept_losses:
        loss = loss + torch.stack(accept_losses).mean()
    return loss


def _sketch_loss(model: MoTModel, enc: Encoding, batch: Sequence[Sample]) -> Tensor:
    """Cross-entropy of each depth's family, the previous depth's taken family given (teacher forcing),
    on detached state vectors (like the critic, the sketch head does not train the encoder)."""
    loss = enc.states.new_zeros(())
    states = enc.states.detach()
    rows = [b for b, s in enumerate(batch) if s.sketch]
    if not rows:
        return loss
    prev = model.sketch.start(len(rows))
    for k in range(model.sketch.depth):
        live = [i for i, b in enumerate(rows) if len(batch[b].sketch) > k]
        if not live:
            break
        target = torch.tensor([batch[rows[i]].sketch[k] for i in live])
        logits = model.sketch.logits(states[[rows[i] for i in live]], prev[live], k)
        loss = loss + nn.functional.cross_entropy(logits, target)
        prev = prev.clone()
        for i in live:
            prev[i] = min(batch[rows[i]].sketch[k], END)
    return loss


def train(samples: Sequence[Sample], cfg: ModelConfig | None = None, epochs: int = 8, seed: int = 0,
          batch_size: int = 32, lr: float = 3e-3, balance: bool = True,
          progress: Callable[[int, int, float], None] | None = None,
          init: MoTModel | None = None) -> tuple[MoTModel, TrainReport]:
    """A model trained on ``samples`` (from ``init``'s weights when given, else fresh);
    ``progress(epoch, epochs, loss)`` after each epoch."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = MoTModel(cfg)
    if init is not None:
        model.load_state_dict(init.state_dict())
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    bce = nn.BCELoss(reduction="none")
    start = time.perf_counter()
    order = list(range(len(samples)))
    loss_value = 0.0
    hits = total = 0
    for epoch in range(epochs):
        rng.shuffle(order)
        model.router.load = type(model.router.load)(len(FAMILIES))
        hits = total = 0
        losses: list[float] = []
        for i in range(0, len(order), batch_size):
            batch = [samples[j] for j in order[i:i + batch_size]]
            enc = model.encode([s.tokens for s in batch])
            routing = model.route(enc, torch.tensor([s.routing for s in batch], dtype=torch.float32))
            labelled = [b for b, s in enumerate(batch) if s.family is not None]
            loss = model.router.balance_loss(routing)
            if labelled:
                target = torch.zeros(len(labelled), len(FAMILIES))
                for row, b in enumerate(labelled):
                    fam = batch[b].family
                    assert fam is not None
                    target[row, fam] = 1.0
                    hits += int(fam in routing.selected[b].tolist())
                    total += 1
                w = _weights(batch, labelled)
                loss = loss + (bce(routing.affinities[labelled], target).mean(-1) * w).sum() / w.sum()
            statements = {name: toks for s in batch for name, toks in s.lemmas}
            lemma_vecs = model.lemma_vectors(statements)
            expert_losses = []
            expert_rows = []
            for b, s in enumerate(batch):
                if s.expert is None:
                    continue
                vecs = model.action_vectors(enc, b, s.actions, lemma_vecs)
                scores = model.expert_scores(enc, b, s.expert, vecs)
                expert_losses.append(nn.functional.cross_entropy(scores[None], torch.tensor([s.target])))
                expert_rows.append(b)
            if expert_losses:
                w = _weights(batch, expert_rows)
                loss = loss + (torch.stack(expert_losses) * w).sum() / w.sum()
            loss = loss + _critic_loss(model, enc, batch, lemma_vecs) + _sketch_loss(model, enc, batch)
            if loss.requires_grad:  # a batch with no label at all (a short last batch) teaches nothing
                opt.zero_grad()
                loss.backward()  # type: ignore[no-untyped-call]
                opt.step()
                losses.append(float(loss.item()))
            if balance:
                model.router.update_bias(routing.selected.detach())
            else:
                model.router.load.add(routing.selected.detach())
        loss_value = sum(losses) / max(len(losses), 1)
        if progress is not None:
            progress(epoch + 1, epochs, loss_value)
    model.eval()
    report = TrainReport(len(samples), sum(s.expert is not None for s in samples), epochs,
                         round(time.perf_counter() - start, 2), round(loss_value, 4),
                         round(hits / max(total, 1), 4), round(model.router.load.cv(), 4))
    return model, report
