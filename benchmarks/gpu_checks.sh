#!/usr/bin/env bash
# The GPU checks of the forward-pass rooms and training, each against its baseline in the same run, written to one
# JSON file with the device name (benchmarks/gpu_checks.py says what is measured). Nothing is downloaded: models are
# built from a config with random weights and the tokenizer is trained in-process, so it runs on an air-gapped node.
#
#   benchmarks/gpu_checks.sh [--out gpu_checks.json]                    # CUDA, full sizes: under 8 minutes, one GPU
#   benchmarks/gpu_checks.sh --device cpu --size small --out /tmp/g.json  # the same code paths on a CPU, in seconds
#
# Other options: --models smollm2_135m,llama_1b  --checks scorer,presence,training,probe  --work DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
# this checkout's rmbase first (a copied working tree need not be installed)
export PYTHONPATH="$root/src${PYTHONPATH:+:$PYTHONPATH}"
export TOKENIZERS_PARALLELISM=false PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"
exec "${PYTHON:-python}" "$here/gpu_checks.py" "$@"
