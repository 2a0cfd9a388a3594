"""The population trainer: members behave as if trained alone, padding and depth are inert,
members stop and fail one by one, and folds × repeats are members of one candidate."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from scipy.stats import mannwhitneyu

from tests.training.alone import OPTIMIZERS, train_alone
from tuning.data.dataset_spec import DatasetSpec
from tuning.data.datasets import load_dataset
from tuning.data.splits import make_split
from tuning.training import population_state, stacked
from tuning.training.members import make_members, validate
from tuning.training.model import build_mlp
from tuning.training.population import Candidate, Status, train_population

CPU = torch.device("cpu")
BASE = {
    "n_layers": 2, "hidden_size": 16, "activation": "relu", "dropout": 0.0, "optimizer": "adam",
    "lr": 0.01, "weight_decay": 0.0, "batch_size": 32, "epochs": 6,
}  # fmt: skip
#: Unlike the members it keeps company: wider, deeper, another activation, optimizer and batch size.
COMPANION = {
    "n_layers": 3, "hidden_size": 64, "activation": "tanh", "dropout": 0.0, "optimizer": "sgd",
    "lr": 0.01, "weight_decay": 0.01, "batch_size": 16, "epochs": 8,
}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread, as workers train: on the shared 2 cores more threads only contend."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def houses():
    data = load_dataset(DatasetSpec("synthetic-houses", rows=300, seed=0))
    return data, make_split(data.rows, 0.2, 0.2, 0, seed=0)


def members(houses, seed: int = 0, repeats: int = 1, folds: int = 0) -> list:
    data, split = houses
    if folds:
        split = make_split(data.rows, 0.2, 0.2, folds, seed=0)
    return make_members(data, split, repeats, seed, CPU)


def candidate(houses, seed: int = 0, **params: Any) -> Candidate:
    return Candidate({**BASE, **params}, members(houses, seed))


# --- the stacked model and optimizers, against torch's own -------------------------------------


def test_a_padded_member_computes_exactly_what_the_model_alone_does() -> None:
    """A width-8, 1-layer model inside a width-64, 3-layer layout gives the same outputs,
    and so does a member of every activation, width and depth mixed in one population."""
    torch.manual_seed(0)
    x = torch.randn(5, 3)
    models = [build_mlp(3, width, depth, act, 0.0).eval()
              for width, depth, act in ((8, 1, "relu"), (64, 3, "tanh"), (20, 2, "gelu"), (1, 3, "silu"))]  # fmt: skip
    architectures = [stacked.Architecture(3, 8, 1, "relu", 0.0), stacked.Architecture(3, 64, 3, "tanh", 0.0),
                     stacked.Architecture(3, 20, 2, "gelu", 0.0), stacked.Architecture(3, 1, 3, "silu", 0.0)]  # fmt: skip
    alone = stacked.Layout.of(3, 8, 1)
    row = stacked.from_module(alone, models[0])
    out_alone = stacked.forward(
        alone, stacked.Masks.of(alone, architectures[:1], CPU), alone.views(row[None]), x[None]
    )
    padded = stacked.layout_for(architectures)
    rows = torch.stack([stacked.from_module(padded, model) for model in models])
    out = stacked.forward(
        padded, stacked.Masks.of(padded, architectures, CPU), padded.views(rows), x.expand(4, 5, 3)
    )
    with torch.no_grad():
        expected = torch.stack([model(x) for model in models])
    assert torch.equal(out[0], out_alone[0])
    assert torch.equal(out[0], expected[0])
    torch.testing.assert_close(out, expected, rtol=1e-6, atol=1e-6)
    for model, architecture, member_row in zip(models, architectures, rows, strict=True):
        back = stacked.to_module(padded, architecture, member_row)
        assert all(
            torch.equal(a, b)
            for a, b in zip(back.state_dict().values(), model.state_dict().values(), strict=True)
        )


@pytest.mark.parametrize("name", ["adam", "adamw", "sgd"])
def test_the_vectorized_optimizers_step_as_torch_optim_does(name: str) -> None:
    torch.manual_seed(0)
    settings = [(0.01, 0.0), (0.1, 0.5), (0.001, 0.01)]  # (lr, weight decay) per member
    params = torch.randn(3, 7)
    theirs = [torch.nn.Parameter(row.clone()) for row in params]
    optimizers = [
        OPTIMIZERS[name]([p], lr=lr, weight_decay=wd) for p, (lr, wd) in zip(theirs, settings, strict=True)
    ]
    rule = stacked.optimizer_rule(name)
    column = lambda values: torch.tensor(values).view(-1, 1)  # noqa: E731
    ours = stacked.Optimizers(
        lr=column([lr for lr, _ in settings]),
        l2=None if rule.decoupled_decay else column([wd for _, wd in settings]),
        shrink=column([lr * wd for lr, wd in settings]) if rule.decoupled_decay else None,
        adaptive=None,
        moments=(torch.zeros(3, 7), torch.zeros(3, 7), torch.zeros(3, 1)) if rule.adaptive else None,
    )
    for _ in range(5):
        grad = torch.randn(3, 7)
        ours.step(params, grad)
        for p, g, optimizer in zip(theirs, grad, optimizers, strict=True):
            p.grad = g.clone()
            optimizer.step()
    torch.testing.assert_close(params, torch.stack([p.detach() for p in theirs]), rtol=1e-5, atol=1e-6)


# --- a member trains as if alone ------------------------------------------------------------------


def test_a_member_trains_the_same_whatever_population_it_is_in(houses) -> None:
    """Without dropout a member's training depends only on its own seed: the same curve alone
    as beside a wider, deeper member with another activation, optimizer and batch size."""
    narrow = candidate(houses, hidden_size=8)
    alone = train_population([narrow])[0]
    together = train_population([Candidate(COMPANION, members(houses, 5)), narrow])
    np.testing.assert_allclose(together[1].curve, alone.curve, rtol=1e-4)
    assert len(together[0].curve) == 8 and len(alone.curve) == 6


def test_reported_losses_are_the_exported_models_validation_mse(houses) -> None:
    outcome = train_population([candidate(houses, dropout=0.3)])[0]
    member = members(houses)[0]
    assert outcome.status is Status.FINISHED
    loss = validate(outcome.models[0], member)
    assert math.isclose(outcome.member_losses[0], loss, rel_tol=1e-4)
    assert outcome.loss == outcome.curve[-1]


#: The statistical test. A configuration where weight decay and width both matter a great deal
#: (width 4, AdamW with lr × decay = 0.09 per step), trained alone by the plain PyTorch loop (tests/training/alone.py) over seeds
#: 0-19 and as 20 members of one population (seeds 100-119, beside a width-64 companion that
#: forces padding). Two-sided Mann-Whitney U on the final validation losses at ALPHA: the
#: samples must not differ. Measured: p = 0.88 when right; p < 1e-7 with each fault below.
EQUIVALENCE = {**BASE, "hidden_size": 4, "dropout": 0.1, "optimizer": "adamw", "lr": 0.03,
               "weight_decay": 3.0, "epochs": 25}  # fmt: skip
SEEDS, ALPHA = 20, 0.01


@pytest.fixture(scope="module")
def trained_alone(houses) -> list[float]:
    return [train_alone(EQUIVALENCE, members(houses, seed))[-1] for seed in range(SEEDS)]


def population_losses(houses) -> list[float]:
    candidates = [Candidate(EQUIVALENCE, members(houses, 100 + seed)) for seed in range(SEEDS)]
    outcomes = train_population([*candidates, Candidate(COMPANION, members(houses, 7))])
    return [outcome.loss for outcome in outcomes[:SEEDS]]


def test_a_member_matches_the_same_configuration_trained_alone_in_distribution(houses, trained_alone) -> None:
    assert mannwhitneyu(trained_alone, population_losses(houses)).pvalue > ALPHA


def _leaky_padding(layout: stacked.Layout, architecture: stacked.Architecture, generator: torch.Generator):
    """A fault: the padded units get weights as if every member were as wide as the widest."""
    wide = stacked.Architecture(architecture.in_features, layout.width, architecture.n_layers,
                                architecture.activation, architecture.dropout)  # fmt: skip
    return stacked.initial_row(layout, wide, generator)


FAULTS = {
    "weight decay coupled (Adam's L2) instead of decoupled": lambda mp: mp.setitem(
        stacked.OPTIMIZER_RULES, "adamw", stacked.OptimizerRule(adaptive=True, decoupled_decay=False)
    ),
    "padding not masked": lambda mp: mp.setattr(population_state, "initial_row", _leaky_padding),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_the_equivalence_test_catches_a_broken_population(houses, trained_alone, fault, monkeypatch) -> None:
    FAULTS[fault](monkeypatch)
    assert mannwhitneyu(trained_alone, population_losses(houses)).pvalue < ALPHA


# --- members end one by one -----------------------------------------------------------------------


def test_a_stopped_member_leaves_and_the_others_train_on_unchanged(houses) -> None:
    candidates = [candidate(houses, 0), candidate(houses, 1, hidden_size=32), candidate(houses, 2, epochs=4)]
    seen: list[tuple[int, list[int]]] = []

    def prune_the_second_after_epoch_two(epoch: int, losses: dict[int, float]) -> set[int]:
        seen.append((epoch, sorted(losses)))
        return {1} if epoch == 2 else set()

    outcomes = train_population(candidates, prune_the_second_after_epoch_two)
    assert seen == [(1, [0, 1, 2]), (2, [0, 1, 2]), (3, [0, 2]), (4, [0, 2]), (5, [0]), (6, [0])]
    assert outcomes[1].status is Status.STOPPED and outcomes[1].reason == "stopped after epoch 2"
    assert len(outcomes[1].curve) == 2 and outcomes[1].models == []
    assert [o.status for o in (outcomes[0], outcomes[2])] == [Status.FINISHED, Status.FINISHED]
    np.testing.assert_allclose(outcomes[0].curve, train_population([candidates[0]])[0].curve, rtol=1e-4)


def test_a_diverging_member_fails_alone(houses) -> None:
    good, bad = candidate(houses, 0), candidate(houses, 1, optimizer="sgd", lr=1e6)
    outcomes = train_population([bad, good])
    assert outcomes[0].status is Status.DIVERGED
    assert "learning rate is probably too high" in outcomes[0].reason
    assert outcomes[0].models == []
    assert outcomes[1].status is Status.FINISHED and all(map(math.isfinite, outcomes[1].curve))
    np.testing.assert_allclose(outcomes[1].curve, train_population([good])[0].curve, rtol=1e-4)


def test_folds_and_repeats_are_members_of_one_candidate(houses) -> None:
    six = Candidate(BASE, members(houses, repeats=2, folds=3))
    outcome = train_population([six, candidate(houses, epochs=3)])[0]
    assert len(outcome.member_losses) == 6 and len(outcome.models) == 6
    assert outcome.curve[-1] == pytest.approx(float(np.mean(outcome.member_losses)))
    assert len(outcome.curve) == BASE["epochs"]


def test_an_exception_in_on_epoch_abandons_the_population(houses) -> None:
    def fail(epoch: int, losses: dict[int, float]) -> set[int]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_population([candidate(houses)], fail)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({k: v for k, v in BASE.items() if k != "lr"}, r"missing \['lr'\]"),
        ({**BASE, "optimizer": "rmsprop"}, r"optimizer must be one of \['adam', 'adamw', 'sgd'\]"),
        ({**BASE, "activation": "elu"}, r"activation must be one of"),
    ],
)
def test_bad_params_are_refused_with_the_rule(houses, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        train_population([Candidate(params, members(houses))])


def test_no_candidates_train_nothing() -> None:
    assert train_population([]) == []


def test_a_batch_beyond_the_rows_is_the_full_batch_and_pads_nothing(houses) -> None:
    """Steps are padded to the largest batch: a nominal 65,536 on 180 rows once padded every
    step to 65,536 rows (2.3 GiB per worker at the demo's caps instead of about 0.5)."""
    member = members(houses)[0]
    rows = member.train_x.shape[0]
    spec = population_state.MemberSpec.of(0, 0, {**BASE, "batch_size": 65_536}, member)
    assert spec.batch_size == rows and spec.steps == 1
    huge = train_population([candidate(houses, batch_size=65_536)])[0]
    full = train_population([candidate(houses, batch_size=rows)])[0]
    assert huge.curve == full.curve
