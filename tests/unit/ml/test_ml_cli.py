"""`learnpulse synth` and `learnpulse train` as a user runs them (no MLflow needed here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from learnpulse.cli import main
from ml.dataset import read_dataset


def test_synth_writes_a_dataset_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "world"

    code = main(["synth", "--learners", "25", "--days", "20", "--seed", "3", "--out", str(out)])

    assert code == 0
    dataset = read_dataset(out)
    assert len(dataset.learners) == 25
    assert f"{len(dataset.events)} events" in capsys.readouterr().out


def test_train_on_a_missing_folder_fails_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["train", "--data", str(tmp_path / "nowhere"), "--tracking-uri", "http://x"])

    assert code == 2
    assert "learners.parquet" in capsys.readouterr().err


def test_train_on_too_short_a_history_says_what_to_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["synth", "--learners", "10", "--days", "30", "--out", str(tmp_path)])

    code = main(["train", "--data", str(tmp_path), "--tracking-uri", "http://unused"])

    assert code == 2
    assert "too few days" in capsys.readouterr().err


def test_train_needs_a_data_source() -> None:
    with pytest.raises(SystemExit):
        main(["train"])


@pytest.mark.parametrize(
    ("champion", "aliases"), [(None, ["challenger", "champion"]), ({"m": "1"}, ["challenger"])]
)
def test_train_registers_a_challenger_and_a_first_champion(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    champion: dict[str, str] | None,
    aliases: list[str],
) -> None:
    import ml.registry

    calls: list[list[str]] = []

    def register(models: list, *, tracking_uri: str, alias: str, also: list[str]) -> dict:
        calls.append([alias, *also])
        return {ml.registry.MODEL_NAMES[m.target]: "7" for m in models}

    monkeypatch.setattr(ml.registry, "versions_by_alias", lambda **_: champion)
    monkeypatch.setattr(ml.registry, "register_models", register)
    args = ["train", "--synthetic", "--learners", "400", "--days", "75", "--seed", "3"]

    assert main([*args, "--tracking-uri", "http://unused"]) == 0
    assert calls == [aliases]
    assert "learnpulse-attrition" in capsys.readouterr().out
