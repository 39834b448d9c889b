"""What to tell a user about a candidate that no table scores: the commands that score it, how long that takes on
one GPU (an estimate), and what a prediction would rest on without the scores (its size, read from its name, and
its family, when the study has one).

The size-only figure is a real fit, not a guess: the study's RM scores of the recipe regressed on log parameter
count, with its leave-one-out error beside the benchmark predictor's, so the user sees how much the missing scores
are worth.
"""

from __future__ import annotations

import re
import shlex

import numpy as np

_SIZE = re.compile(r"(?:^|[-_./])(\d+(?:\.\d+)?)\s*[bB](?=$|[-_.])")


def size_from_name(model_id: str) -> float | None:
    """Parameter count in billions as written in a model's name (``Qwen3-8B`` -> 8.0; ``Llama-3.2-3B`` -> 3.0);
    None when the name states none (mixture-of-experts names like ``A2.7B`` are read as written)."""
    name = str(model_id).rpartition("/")[2]
    hits = _SIZE.findall(name)
    return float(hits[-1]) if hits else None


def size_only_fit(data, recipe: str, target: str = "score") -> dict | None:
    """The study's ``target`` regressed on log(params_b): coefficients and leave-one-out mean absolute error."""
    from sklearn.linear_model import LinearRegression

    X, y, _ = data.design(recipe, target, drop_missing=True)
    # bases whose target was not measured (e.g. a sweep's bases evaluated on some subsets only) or whose size is
    # unknown cannot inform a size-only fit
    known = y.notna().to_numpy() & (X["params_b"].to_numpy(dtype=float) > 0)
    if known.sum() < 5:
        return None
    x = np.log(X.loc[known, ["params_b"]].to_numpy(dtype=float))
    yv = y[known].to_numpy(dtype=float)
    res = []
    for i in range(len(yv)):
        keep = np.arange(len(yv)) != i
        m = LinearRegression().fit(x[keep], yv[keep])
        res.append(yv[i] - float(m.predict(x[i:i + 1])[0]))
    full = LinearRegression().fit(x, yv)
    return {"intercept": float(full.intercept_), "slope_per_log_b": float(full.coef_[0]), "n_train": len(yv),
            "loo_mean_abs_error": float(np.mean(np.abs(res))), "loo_residuals": [float(r) for r in res],
            "max_score": float(yv.max()),
            "range_b": [float(np.exp(x.min())), float(np.exp(x.max()))]}


def size_only_rows(sizes: dict[str, float | None], *, data, recipe: str, alpha: float) -> tuple[list[dict], dict]:
    """Size-only predictions of the study's RM score for bases without benchmark scores, each with a split
    conformal interval from the size-only fit's leave-one-out residuals (wider than the benchmark predictor's).
    ``sizes``: model -> params_b (None: read from the name). Returns (rows ``{model, params_b, size_from,
    predicted, low, high}``, the fit with its ``halfwidth``); bases whose size is unknown are left out (the caller
    lists them)."""
    from rmbase.selection.conformal import conformal_halfwidth

    fit = size_only_fit(data, recipe)
    if fit is None:
        return [], {}
    q = conformal_halfwidth(np.asarray(fit["loo_residuals"]), alpha)
    fit = {**fit, "halfwidth": q}
    rows = []
    for m, size in sizes.items():
        source = "table"
        if size is None or not np.isfinite(size) or size <= 0:
            size, source = size_from_name(m), "name"
        if size is None:
            continue
        pred = fit["intercept"] + fit["slope_per_log_b"] * float(np.log(size))
        # a line in log size leaves the score's range far outside the study's sizes: the range bounds it
        top = 100.0 if fit["max_score"] > 1 else 1.0
        capped = bool(pred > top or pred < 0)
        pred = float(np.clip(pred, 0.0, top))
        rows.append({"model": m, "params_b": float(size), "size_from": source, "predicted": pred,
                     "low": max(pred - q, 0.0), "high": min(pred + q, top), "capped": capped})
    return rows, fit


def guidance(models: list[str], *, data, recipe: str, candidates: list[str] | None = None,
             benchmark_mae: float | None = None, command: str = "recommend") -> list[dict]:
    """One entry per model without scores: ``commands`` to score it and rerun ``command`` (``recommend`` or
    ``plan``) with the scores, the time ``estimate``, and the ``without_scores`` evidence (size from the name, a
    size-only prediction with its error, the study family)."""
    from rmbase.benchmarks.cost import describe_estimate, estimate_suite_hours
    from rmbase.model_ids import model_family, sanitise_model_id

    fit = size_only_fit(data, recipe) if models else None
    families = set(data.models["family"].dropna()) if "family" in data.models else set()
    out = []
    for m in models:
        folder = f"bench/{sanitise_model_id(m)}"
        rerun = ["rmbase", command, "--benchmarks", f"{folder}/scores.csv", "--recipe", recipe]
        if candidates:
            rerun += ["--candidates", ",".join(candidates)]
        rerun = [shlex.quote(a) for a in rerun]  # copy-paste safe, whatever the names hold
        size = size_from_name(m)
        est = estimate_suite_hours(size, "leaderboard") if size else None
        fam = model_family(m)
        entry = {
            "model": m,
            "commands": [f"rmbase benchmarks run --model {shlex.quote(m)} --suite leaderboard --device cuda "
                         f"--batch-size auto --out {shlex.quote(folder)}", " ".join(rerun)],
            "several": "with several such models, combine their scores first: rmbase benchmarks import "
                       "bench/*/scores.csv --out my_scores.csv, then --benchmarks my_scores.csv",
            "params_b_from_name": size,
            "estimate": est,
            "estimate_text": describe_estimate(est) if est else
            "no time estimate: its size is not in its name (the suite's cost grows with the parameter count)",
            "family": fam if fam in families else None,
        }
        basis = []
        if size and fit:
            pred = fit["intercept"] + fit["slope_per_log_b"] * float(np.log(size))
            outside = not fit["range_b"][0] <= size <= fit["range_b"][1]
            entry["size_only"] = {"predicted": pred, "loo_mean_abs_error": fit["loo_mean_abs_error"],
                                  "benchmark_model_mean_abs_error": benchmark_mae, "extrapolates": outside}
            basis.append(f"size only ({size:g}B, read from its name): a fit of the study's {recipe} scores on log "
                         f"size predicts {pred:.1f} (leave-one-out error {fit['loo_mean_abs_error']:.1f} points"
                         + (f" vs {benchmark_mae:.1f} with the benchmark scores" if benchmark_mae else "")
                         + ("; outside the study's size range" if outside else "") + ")")
        else:
            basis.append("nothing: its size is not in its name and no table has it")
        basis.append(f"its family, {fam}, is one of the study's (its bases' results inform it)" if entry["family"]
                     else "no family of the study (nothing shared with a trained base)")
        entry["without_scores"] = "; ".join(basis)
        out.append(entry)
    return out
