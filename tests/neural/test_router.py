"""The sparse router (``neural/router.py``): top-k over biased affinities with unbiased gates, the
auxiliary-loss-free bias update, the optional balance loss, node-limited routing and load
statistics."""

from __future__ import annotations

import pytest
import torch

from tactic_mesh.neural.router import LoadStats, Router, Routing

D, E = 8, 6


def router(seed: int = 0, **kw: object) -> Router:
    torch.manual_seed(seed)
    return Router(D, E, **kw)  # type: ignore[arg-type]


def inputs(n: int = 16, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, D, generator=torch.Generator().manual_seed(seed))


def test_top_k_is_validated() -> None:
    for k in (0, E + 1):
        with pytest.raises(ValueError, match="top_k"):
            Router(D, E, top_k=k)


def test_selection_gates_and_affinities() -> None:
    r = router(top_k=3)
    with torch.no_grad():
        out = r(inputs())
    assert out.selected.shape == out.gates.shape == (16, 3)
    assert out.affinities.shape == (16, E)
    assert ((out.affinities > 0) & (out.affinities < 1)).all()
    assert torch.allclose(out.gates.sum(-1), torch.ones(16), atol=1e-6)
    assert (out.gates > 0).all()
    # without a bias: the k largest affinities, best first, gates their normalised affinities
    top = out.affinities.topk(3, dim=-1)
    assert torch.equal(out.selected, top.indices)
    assert torch.allclose(out.gates, top.values / top.values.sum(-1, keepdim=True))
    # each row selects distinct experts
    assert all(len(set(row)) == 3 for row in out.selected.tolist())


def test_the_bias_changes_the_selection_not_the_gates() -> None:
    r = router(top_k=2)
    u = inputs()
    with torch.no_grad():
        plain = r(u)
        s = plain.affinities
        # the two experts the plain router selects least often get a bias larger than any gap
        counts = torch.bincount(plain.selected.flatten(), minlength=E)
        favoured = counts.argsort()[:2]
        r.bias[favoured] = 2.0
        biased = r(u)
    assert set(biased.selected.flatten().tolist()) == set(favoured.tolist())  # the bias decides which ...
    assert not torch.equal(biased.selected.sort(-1).values, plain.selected.sort(-1).values)
    assert torch.equal(biased.affinities, s)  # ... the affinities do not include it ...
    chosen = s.gather(-1, biased.selected)
    assert torch.allclose(biased.gates, chosen / chosen.sum(-1, keepdim=True))  # ... nor the gates
    with_bias = (s + r.bias).gather(-1, biased.selected)
    assert not torch.allclose(biased.gates, with_bias / with_bias.sum(-1, keepdim=True))
    # best first by the biased score
    biased_scores = (s + r.bias).gather(-1, biased.selected)
    assert (biased_scores[:, 0] >= biased_scores[:, 1]).all()


def test_update_bias_moves_towards_the_mean_load() -> None:
    r = Router(D, 4, top_k=2, gamma=0.25)
    selected = torch.tensor([[0, 1], [0, 2], [0, 1]])  # load 3, 2, 1, 0 (mean 1.5)
    r.update_bias(selected)
    assert r.bias.tolist() == [-0.25, -0.25, 0.25, 0.25]
    assert r.load.counts == [3, 2, 1, 0]
    r.update_bias(torch.tensor([[3, 2], [3, 1]]))  # load 0, 1, 1, 2 (mean 1): 1 and 2 stay
    assert r.bias.tolist() == [0.0, -0.25, 0.25, 0.0]
    assert r.load.counts == [3, 3, 2, 2]


def test_the_bias_is_a_buffer_without_gradient() -> None:
    r = router(top_k=2, alpha=0.1)
    assert not r.bias.requires_grad
    assert "bias" not in dict(r.named_parameters())
    assert all(p is not r.bias for p in r.parameters())
    assert "bias" in dict(r.named_buffers()) and "bias" in r.state_dict()  # saved with the model
    with torch.no_grad():
        r.bias.copy_(torch.linspace(-0.1, 0.1, E))
    out = r(inputs())
    loss = out.gates.pow(2).sum() + r.balance_loss(out)
    loss.backward()
    assert r.bias.grad is None and not r.bias.requires_grad
    assert r.centroids.grad is not None and r.centroids.grad.abs().sum() > 0


def test_balance_loss() -> None:
    off = router(top_k=2, alpha=0.0)
    out = off(inputs())
    zero = off.balance_loss(out)
    assert zero.shape == () and zero.item() == 0.0
    on = router(top_k=2, alpha=0.01)
    out = on(inputs())
    loss = on.balance_loss(out)
    assert loss.item() > 0 and loss.requires_grad
    loss.backward()
    assert on.centroids.grad is not None and on.centroids.grad.abs().sum() > 0


def test_balance_loss_by_hand() -> None:
    r = Router(D, 2, top_k=1, alpha=0.5)
    skewed_s = torch.tensor([[0.75, 0.25], [0.75, 0.25]])
    # everything to expert 0: f = (2·2/2, 0) = (2, 0); P = (0.75, 0.25): α · 1.5
    both_to_0 = Routing(torch.tensor([[0], [0]]), torch.ones(2, 1), skewed_s)
    assert r.balance_loss(both_to_0).item() == pytest.approx(0.5 * 1.5)
    # balanced: f = (1, 1): α · (0.75 + 0.25)
    balanced = Routing(torch.tensor([[0], [1]]), torch.ones(2, 1), skewed_s)
    assert r.balance_loss(balanced).item() == pytest.approx(0.5 * 1.0)
    # P is the mean of normalised affinities
    unnormalised = Routing(torch.tensor([[0], [0]]), torch.ones(2, 1), skewed_s * 0.2)
    assert r.balance_loss(unnormalised).item() == pytest.approx(0.5 * 1.5)


def test_node_limited_routing_uses_at_most_max_groups() -> None:
    groups = [0, 0, 1, 1, 2, 2]
    u = inputs(64)
    free = router(top_k=4)
    with torch.no_grad():
        spread = free(u)
    group_of = torch.tensor(groups)
    assert max(len(set(group_of[row].tolist())) for row in spread.selected) > 2  # the limit bites
    limited = router(top_k=4, groups=groups, max_groups=2)
    with torch.no_grad():
        limited.bias[0] = 5.0  # the bias does not pick groups: only the affinities do
        out = limited(u)
    assert torch.equal(out.affinities, spread.affinities)  # the same seed: the same router
    assert out.selected.shape == (64, 4)
    s = out.affinities
    for row, sel in zip(s, out.selected, strict=True):
        used = set(group_of[sel].tolist())
        assert len(used) <= 2
        # the eligible groups: the two with the largest sums of their best top_k // max_groups = 2
        score = [row[group_of == g].topk(2).values.sum().item() for g in range(3)]
        best = set(sorted(range(3), key=lambda g: -score[g])[:2])
        assert used <= best
        assert used == best  # four selected from two groups of two: both groups, every expert
    eligible = limited.eligible(s)
    assert eligible.shape == (64, E) and (eligible.sum(-1) == 4).all()


def test_node_limited_routing_with_fewer_eligible_than_k() -> None:
    r = router(top_k=3, groups=[0, 0, 1, 1, 2, 2], max_groups=1)
    with torch.no_grad():
        out = r(inputs())
    group_of = torch.tensor([0, 0, 1, 1, 2, 2])
    assert out.selected.shape[1] == 2  # only one group of two is eligible
    assert all(len(set(group_of[row].tolist())) == 1 for row in out.selected)
    assert torch.allclose(out.gates.sum(-1), torch.ones(16), atol=1e-6)


@pytest.mark.parametrize(("counts", "cv"), [
    ([1, 1, 1, 1], 0.0),
    ([2, 0], 1.0),
    ([3, 1], 0.5),
    ([4, 0, 0, 0], 3 ** 0.5),
    ([0, 0, 0], 0.0),
])
def test_load_cv_by_hand(counts: list[int], cv: float) -> None:
    stats = LoadStats(len(counts))
    stats.counts = list(counts)
    assert stats.cv() == pytest.approx(cv)


def test_load_stats_add_and_shares() -> None:
    stats = LoadStats(3)
    assert stats.shares() == [0.0, 0.0, 0.0] and stats.total == 0
    stats.add(torch.tensor([[0, 2], [0, 1]]))
    assert stats.counts == [2, 1, 1] and stats.total == 4
    assert stats.shares() == [0.5, 0.25, 0.25]


def batch_cv(selected: torch.Tensor, experts: int) -> float:
    stats = LoadStats(experts)
    stats.add(selected)
    return stats.cv()


def test_bias_balancing_lowers_the_load_cv() -> None:
    experts = 8
    torch.manual_seed(0)
    r = Router(D, experts, top_k=2, gamma=0.01)
    with torch.no_grad():  # skew: experts 0 and 1 have a high affinity for every input
        r.project.bias.fill_(0.5)
        r.centroids[0].fill_(1.0)
        r.centroids[1].fill_(1.0)
    gen = torch.Generator().manual_seed(3)
    held_out = torch.randn(128, D, generator=gen)
    with torch.no_grad():
        before = batch_cv(r(held_out).selected, experts)
        assert before > 1.0  # nearly everything goes to 0 and 1
        for _ in range(200):
            out = r(torch.randn(32, D, generator=gen))
            r.update_bias(out.selected)
        after = batch_cv(r(held_out).selected, experts)
    assert after < 0.4 * before
    assert r.bias[0] < 0 and r.bias[1] < 0  # the over-loaded experts were pushed down
    assert r.load.total == 200 * 32 * 2
