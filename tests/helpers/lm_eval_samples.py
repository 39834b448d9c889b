"""Synthetic lm-eval results (the structure lm-eval 0.4 writes) with known subtask accuracies."""

from __future__ import annotations

from rmbase.benchmarks.normalise import BBH_CHOICES, MUSR_CHOICES


def leaderboard_results(bbh: dict[str, float], musr: dict[str, float], *, ifeval=(0.5, 0.6), math=0.1,
                        gpqa=0.3, mmlu_pro=0.28) -> dict:
    res: dict[str, dict] = {}
    for k, v in bbh.items():
        res[f"leaderboard_bbh_{k}"] = {"alias": k, "acc_norm,none": v, "acc_norm_stderr,none": 0.01}
    for k, v in musr.items():
        res[f"leaderboard_musr_{k}"] = {"alias": k, "acc_norm,none": v, "acc_norm_stderr,none": 0.01}
    res["leaderboard_bbh"] = {"acc_norm,none": sum(bbh.values()) / max(len(bbh), 1)}
    res["leaderboard_musr"] = {"acc_norm,none": sum(musr.values()) / max(len(musr), 1)}
    res["leaderboard_ifeval"] = {"prompt_level_strict_acc,none": ifeval[0], "inst_level_strict_acc,none": ifeval[1],
                                 "prompt_level_loose_acc,none": 0.9, "inst_level_loose_acc,none": 0.9}
    res["leaderboard_math_hard"] = {"exact_match,none": math}
    res["leaderboard_gpqa"] = {"acc_norm,none": gpqa}
    res["leaderboard_mmlu_pro"] = {"acc,none": mmlu_pro}
    return res


def full_bbh(value: float | None = None) -> dict[str, float]:
    """Every BBH subtask at ``value``, or (None) at a different, known accuracy each."""
    return {k: (value if value is not None else 0.3 + 0.02 * i) for i, k in enumerate(BBH_CHOICES)}


def full_musr(value: float | None = None) -> dict[str, float]:
    return {k: (value if value is not None else 0.4 + 0.1 * i) for i, k in enumerate(MUSR_CHOICES)}


def results_file(results: dict, model="org/Some-Model-7B", date=1720000000.0, chat=True, dtype="torch.bfloat16"):
    out = {"results": results, "config": {"model": "hf", "model_args": f"pretrained={model},dtype=bfloat16",
                                          "model_dtype": dtype},
           "date": date, "model_name": model}
    if chat:
        out["chat_template"] = "{{ messages }}"
        out["chat_template_sha"] = "abc"
    return out


def shared_data(*parts: str):
    """Path under ../shared/data (beside the repository), or skip the test with the reason when it is absent."""
    from pathlib import Path

    import pytest

    path = (Path(__file__).resolve().parents[3] / "shared" / "data").joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {path} is absent (it ships beside the repository as ../shared/data)")
    return path


def write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(__import__("json").dumps(obj), encoding="utf-8")
    return path
