"""How long a suite takes on one GPU: an estimate from the model's parameter count and the suite's token volume.

Not a measurement. The token volumes are approximate counts for the Open LLM Leaderboard v2 tasks as lm-eval 0.4.13
runs them (example counts are the tasks' test sets; prompt lengths include the few-shot examples and the chat
template; multiple-choice tasks whose answers are single letters cost one forward pass per question, thanks to
lm-eval's shared-context cache, the others one pass per option). Compute:

- prompt tokens (prefill): ``2 * params * tokens`` FLOPs at ``mfu`` of the GPU's dense bf16 peak;
- generated tokens (IFEval, MATH): decoding is memory-bound, so each decoding step of a batch costs about one read
  of the weights (``2 bytes * params / bandwidth``) plus a fixed per-step overhead of the HF ``generate`` loop; a
  batch runs until its longest answer stops, taken as ``batch_steps`` tokens.

The result is meant to tell "an hour" from "a day", not to plan a cluster: measure with ``rmbase benchmarks run``
on the GPU you have (run.json records what ran).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Volume:
    """One benchmark's work: ``examples``; ``forward_tokens`` prompt tokens processed in total (all options and
    shots); ``generations`` answers generated, each batch running about ``batch_steps`` decoding steps."""

    examples: int
    forward_tokens: float
    generations: int = 0
    batch_steps: int = 0


# approximate token volumes of the leaderboard suite (lm-eval 0.4.13 task definitions; see the module docstring)
LEADERBOARD_VOLUME: dict[str, Volume] = {
    "ifeval": Volume(541, 541 * 90, generations=541, batch_steps=1280),       # 0-shot; max_gen_toks 1280
    "bbh": Volume(5761, 5761 * 4 * 700),                                      # 3-shot, ~4 options each
    "math_lvl5": Volume(1324, 1324 * 900, generations=1324, batch_steps=1024),  # 4-shot; max_gen_toks 1024
    "gpqa": Volume(1192, 1192 * 4 * 260),                                     # 0-shot, 4 options
    "musr": Volume(756, 756 * 3 * 1100),                                      # long narratives, 2-5 options
    "mmlu_pro": Volume(12032, 12032 * 1600),                                  # 5-shot, letter answers: 1 pass
}


@dataclass(frozen=True)
class GPU:
    name: str = "one A100-80GB"
    bf16_flops: float = 312e12
    bandwidth: float = 2.0e12      # bytes/s
    memory_gb: float = 80.0


@dataclass(frozen=True)
class Assumptions:
    gpu: GPU = GPU()
    mfu: float = 0.35              # fraction of the bf16 peak reached on prefill (HF backend, padded batches)
    generation_batch: int = 16     # answers generated together
    step_overhead_s: float = 0.02  # per decoding step, the HF generate loop's own cost


def estimate_suite_hours(params_b: float, suite: str = "leaderboard",
                         assumptions: Assumptions | None = None) -> dict | None:
    """Estimated GPU hours of ``suite`` for a model of ``params_b`` billion parameters, per benchmark and in all,
    with the assumptions it rests on; None for a suite without recorded token volumes."""
    if suite != "leaderboard" or not params_b or params_b <= 0:
        return None
    a = assumptions or Assumptions()
    n = params_b * 1e9
    step_s = 2.0 * n / a.gpu.bandwidth + a.step_overhead_s
    per: dict[str, float] = {}
    for bench, v in LEADERBOARD_VOLUME.items():
        prefill_s = 2.0 * n * v.forward_tokens / (a.gpu.bf16_flops * a.mfu)
        batches = -(-v.generations // a.generation_batch) if v.generations else 0
        per[bench] = (prefill_s + batches * v.batch_steps * step_s) / 3600.0
    weights_gb = 2.0 * params_b
    return {
        "suite": suite, "hours": sum(per.values()), "per_benchmark_hours": per,
        "fits_in_memory": weights_gb * 1.2 <= a.gpu.memory_gb,
        "assumptions": {"gpu": asdict(a.gpu), "mfu": a.mfu, "generation_batch": a.generation_batch,
                        "step_overhead_s": a.step_overhead_s, "dtype": "bfloat16",
                        "prompt_tokens": sum(v.forward_tokens for v in LEADERBOARD_VOLUME.values()),
                        "kind": "estimate from parameter count and token volume, not measured"},
    }


def describe_estimate(est: dict) -> str:
    """One line: ``about 2.4 GPU-hours on one A100-80GB (estimate: ...)``."""
    a = est["assumptions"]
    line = (f"about {est['hours']:.1f} GPU-hours on {a['gpu']['name']} (an estimate, not measured: "
            f"{a['prompt_tokens'] / 1e6:.0f}M prompt tokens at 2 FLOPs per parameter and {a['mfu']:.0%} of the "
            f"{a['gpu']['bf16_flops'] / 1e12:.0f} TFLOP/s bf16 peak, plus IFEval and MATH answers generated "
            f"{a['generation_batch']} at a time, memory-bound)")
    if not est["fits_in_memory"]:
        line += "; the weights do not fit in one GPU's memory in bf16: use several GPUs or a smaller dtype"
    return line
