"""--full-fit: an incremental learner fitted over every row of a streamed table, scored on held-out rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advisor import load
from advisor.cli import main
from advisor.errors import OptionError
from advisor.fullfit import holdout_mask
from advisor.modelio import load_model
from advisor.pipeline import build_recommend_report


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "STREAM_BLOCK_BYTES", 1 << 15)


def _binary(path, n: int = 6000) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4))
    y = np.where(X[:, 0] + 0.7 * X[:, 1] + rng.normal(scale=0.4, size=n) > 0, "yes", "no")
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(shop=rng.choice(["n", "s", "e"], n), label=y)
    frame.loc[rng.random(n) < 0.02, "label"] = None  # unlabelled rows are neither trained on nor held out
    frame.to_csv(path, index=False)


def test_holdout_mask_is_batch_free_seeded_and_of_the_right_share() -> None:
    pos = np.arange(200_000)
    whole = holdout_mask(pos, 3, 0.1)
    parts = np.concatenate([holdout_mask(pos[i:i + 7_777], 3, 0.1) for i in range(0, len(pos), 7_777)])
    assert (whole == parts).all()
    assert abs(whole.mean() - 0.1) < 0.005
    assert (holdout_mask(pos, 4, 0.1) != whole).any()


def test_full_fit_trains_on_every_row_but_the_held_out_ones(tmp_path, small_blocks) -> None:
    path = tmp_path / "big.csv"
    _binary(path)
    model = tmp_path / "m.skops"
    report = build_recommend_report(str(path), target="label", stream=True, sample=1500, budget=40, explain=False,
                                    full_fit=True, save=str(model))
    board = report.leaderboard
    ff = board.full_fit
    labelled = int(pd.read_csv(path)["label"].notna().sum())
    assert ff is not None and ff.batches > 3
    assert ff.rows_trained + ff.rows_held_out == labelled
    assert 0 < ff.rows_held_out < 0.15 * labelled
    assert ff.holdout_score is not None and ff.holdout_score > 0.8
    assert ff.sample_fit_holdout_score is not None
    names = [c.name for c in report.advice.candidates]
    assert "SGDClassifier" in names  # offered for --full-fit although the walk (6,000 rows) named no online learner
    if board.pick.name != ff.candidate:
        assert any("cannot learn incrementally" in n for n in ff.notes)
    pipeline, metadata = load_model(str(model))
    assert metadata["candidate"] == ff.candidate == report.saved_model.candidate
    assert pipeline[-1].__class__.__name__ == ff.candidate
    assert set(pipeline.predict(pd.read_csv(path).head(50))) <= {"yes", "no"}
    # predicting a table too big to load goes batch by batch, with the same rows out
    streamed, whole = tmp_path / "streamed.csv", tmp_path / "whole.csv"
    assert main(["predict", str(model), str(path), "--stream", "-o", str(streamed), "-q"]) == 0
    assert main(["predict", str(model), str(path), "--no-stream", "-o", str(whole), "-q"]) == 0
    assert streamed.read_bytes() == whole.read_bytes()
    assert len(streamed.read_text().splitlines()) == 6000 + 1
    broken = tmp_path / "broken.csv"
    pd.read_csv(path).drop(columns=["b"]).to_csv(broken, index=False)
    out = tmp_path / "never.csv"
    assert main(["predict", str(model), str(broken), "--max-memory", "1k", "-o", str(out)]) == 2
    assert not out.exists() and not list(tmp_path.glob(".never.csv.*"))  # no half-written file is left


def test_full_fit_needs_a_streamed_table(tmp_path, capsys) -> None:
    path = tmp_path / "small.csv"
    _binary(path, 300)
    with pytest.raises(OptionError, match="loaded whole"):
        build_recommend_report(str(path), target="label", budget=5, full_fit=True)
    assert main(["recommend", str(path), "--target", "label", "--full-fit", "--budget", "5", "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--full-fit" in err[0] and "--stream" in err[0]


def test_full_fit_regression_reports_r2_on_held_out_rows(tmp_path, small_blocks) -> None:
    rng = np.random.default_rng(1)
    n = 5000
    X = rng.normal(size=(n, 3))
    frame = pd.DataFrame(X, columns=["u", "v", "w"]).assign(price=3 * X[:, 0] - X[:, 1] + rng.normal(scale=0.3, size=n))
    path = tmp_path / "reg.csv"
    frame.to_csv(path, index=False)
    report = build_recommend_report(str(path), target="price", stream=True, sample=1000, budget=40, explain=False,
                                    full_fit=True)
    ff = report.leaderboard.full_fit
    assert ff is not None and ff.metric == "r2" and ff.rows_trained + ff.rows_held_out == n
    assert ff.holdout_score is not None and ff.holdout_score > 0.9
