#!/usr/bin/env bash
# One call on a lent GPU machine (torch + transformers, no venv, no internet), about 5 minutes:
#   bash benchmarks/gpu_check.sh            -> $OUT/gpu_results.json (or ./gpu_results.json)
#   bash benchmarks/gpu_check.sh --smoke    -> the same on CPU with tiny models (a quick check)
# Nothing is installed: the app is imported from this working tree through PYTHONPATH.
set -u
cd "$(dirname "$0")/.."
OUT="${OUT:-.}"
mkdir -p "$OUT"
PY="${PYTHON:-$(command -v python3 || command -v python)}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TRANSFORMERS_VERBOSITY=error
export TORCHINDUCTOR_CACHE_DIR="${TORCHINDUCTOR_CACHE_DIR:-/tmp/imgengine-inductor}"
{ nvidia-smi || echo "no nvidia-smi"; } > "$OUT/nvidia-smi.txt" 2>&1
"$PY" -c 'import sys, torch, transformers; print(sys.version.split()[0], torch.__version__, transformers.__version__, torch.cuda.is_available())' 2>&1
# The script stops starting new steps after --budget-s (240 s); the hard limit is a backstop.
timeout --signal=INT --kill-after=10 "${GPU_CHECK_TIMEOUT:-290}" \
    "$PY" benchmarks/gpu_check.py --out "$OUT/gpu_results.json" "$@"
status=$?
echo "gpu_check exit status $status; results in $OUT/gpu_results.json"
exit $status
