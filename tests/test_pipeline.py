"""``symcnn derive`` as stages: nothing is derived, rendered or proved again when nothing changed."""

from __future__ import annotations

import pytest

import symcnn.codegen.generate as generate
import symcnn.pipeline as pipeline
import symcnn.verify.report as report
from symcnn.model import builtin_layers

LAYERS = [builtin_layers()[name] for name in ("fc_sigmoid", "loss_squared")]


def _refuse(*args, **kwargs):
    raise AssertionError("a stage ran that its stamp or the cache should have spared")


@pytest.fixture
def written(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMCNN_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "gen"
    first, _ = pipeline.run_derive(LAYERS, out)
    assert "DERIVATIONS.md" in first.written and "fc_sigmoid_numba.py" in first.written
    return out


def test_nothing_changed_means_no_stage_runs(written, monkeypatch, tmp_path):
    monkeypatch.setenv("SYMCNN_CACHE", str(tmp_path / "empty"))  # the folder's stamp alone suffices
    stages = ((generate, "render_layer"), (report, "derivations_markdown"), (pipeline, "cached_derive"))
    for where, name in stages:
        monkeypatch.setattr(where, name, _refuse)
    again, _ = pipeline.run_derive(LAYERS, written)
    assert not again.written and again.up_to_date


def test_a_hand_edited_file_is_not_trusted(written, monkeypatch):
    path = written / "fc_sigmoid_numpy.py"
    path.write_text(path.read_text() + "# edited\n")
    calls = []
    real = generate.render_layer
    monkeypatch.setattr(generate, "render_layer",
                        lambda d, *a, **k: calls.append(d.layer.name) or real(d, *a, **k))
    again, _ = pipeline.run_derive(LAYERS, written)
    assert again.written == ["fc_sigmoid_numpy.py"] and "# edited" not in path.read_text()
    assert calls == ["fc_sigmoid"]  # rendered again from its derivation; the other layer's stamp held


def test_the_cache_folder_holds_no_generated_text(written, tmp_path):
    """Only derivations are kept in the cache; generated modules live in the folder written."""
    kept = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert kept and all(p.parent == tmp_path / "cache" and p.suffix == ".json" for p in kept)
    assert not any("def forward" in p.read_text() for p in kept)


def test_check_trusts_no_stamp(written, monkeypatch, tmp_path):
    monkeypatch.setenv("SYMCNN_CACHE", str(tmp_path / "empty"))
    calls = []
    real = generate.render_layer
    monkeypatch.setattr(generate, "render_layer",
                        lambda d, *a, **k: calls.append(d.layer.name) or real(d, *a, **k))
    checked, _ = pipeline.run_derive(LAYERS, written, check=True)
    assert checked.up_to_date and sorted(calls) == ["fc_sigmoid", "loss_squared"]


def test_keys_follow_the_spec_and_the_source():
    keys = pipeline.stage_keys(LAYERS)
    assert keys.modules["fc_sigmoid"] != keys.modules["loss_squared"]
    assert pipeline.stage_keys(LAYERS[:1]).report != keys.report
    assert pipeline.source_hash(["codegen"]) != pipeline.source_hash(["verify"])
    assert pipeline.source_hash(pipeline.GENERATE_SOURCES) == pipeline.source_hash(pipeline.GENERATE_SOURCES)
