#!/usr/bin/env bash
# The 70M runner benchmark on an NVIDIA GPU (issue 16), run as is from a cpi-bench checkout whose
# node_modules is installed (`npm ci`; onnxruntime-node's own CUDA download is off, see the root README).
# Nothing is downloaded: the CUDA execution provider comes from files placed beside this script.
#
# Beside this script (bench/), place:
#   microsoft.ml.onnxruntime.gpu.linux.<V>.nupkg   NuGet package Microsoft.ML.OnnxRuntime.Gpu.Linux, the version
#                                                   <V> of the installed onnxruntime-node (1.30.0 today; it is
#                                                   what onnxruntime-node's install script would download). The
#                                                   script copies its runtimes/linux-x64/native/
#                                                   libonnxruntime_providers_{shared,cuda}.so into
#                                                   node_modules/onnxruntime-node/bin/napi-v6/linux/x64/.
#   cuda-libs/ (optional)                           CUDA 12 and cuDNN 9 shared libraries, if the machine has none
#                                                   on its library path: libcudart.so.12, libcublas.so.12,
#                                                   libcublasLt.so.12, libcurand.so.10, libcufft.so.11,
#                                                   libcudnn*.so.9 (e.g. the lib/ folders of the pip wheels
#                                                   nvidia-cuda-runtime-cu12, nvidia-cublas-cu12, nvidia-curand-cu12,
#                                                   nvidia-cufft-cu12, nvidia-cudnn-cu12). Added to LD_LIBRARY_PATH.
#
# Prints items/s of the naive baseline, the runner and the raw floor, and the floor/runner ratio; writes
# bench/results/runner-sizes-cuda.json. Exits non-zero when CUDA was not actually used. Takes < 5 minutes.
# Untested: the project's development machine has no GPU.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "gpu.sh: nvidia-smi not found" >&2
[ -d node_modules/onnxruntime-node ] || { echo "gpu.sh: node_modules/onnxruntime-node is missing; run npm ci first" >&2; exit 2; }
ORT_VERSION="$(node -p "require('onnxruntime-node/package.json').version")"
BIN="node_modules/onnxruntime-node/bin/napi-v6/linux/x64"

if [ ! -f "$BIN/libonnxruntime_providers_cuda.so" ]; then
  NUPKG="$(find "$HERE" -maxdepth 1 -iname "microsoft.ml.onnxruntime.gpu.linux.${ORT_VERSION}.nupkg" | head -n 1)"
  if [ -z "$NUPKG" ]; then
    echo "gpu.sh: place microsoft.ml.onnxruntime.gpu.linux.${ORT_VERSION}.nupkg beside this script (NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux ${ORT_VERSION})" >&2
    exit 2
  fi
  # A .nupkg is a zip; Python's zipfile needs no unzip binary.
  python3 - "$NUPKG" "$BIN" <<'PY'
import sys, zipfile, os
nupkg, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(nupkg) as z:
    for name in ('libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'):
        with z.open(f'runtimes/linux-x64/native/{name}') as src, open(os.path.join(dest, name), 'wb') as out:
            out.write(src.read())
        print(f'gpu.sh: installed {name} from {os.path.basename(nupkg)}')
PY
fi
if [ -d "$HERE/cuda-libs" ]; then export LD_LIBRARY_PATH="$HERE/cuda-libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi

mkdir -p bench/results
OUT_JSON="bench/results/runner-sizes-cuda.json"
rm -f "$OUT_JSON"
# 256 items, 3 rounds: about a minute of GPU work; the 270 s cap keeps the whole script under 5 minutes.
timeout 270 npx tsx --conditions=source bench/runner-sizes.bench.ts --sizes 70m --device cuda --70m-items 256 --rounds 3 --json "$OUT_JSON"

node --input-type=module -e "
import { readFileSync } from 'node:fs';
const r = JSON.parse(readFileSync('$OUT_JSON', 'utf8'));
const s = r.sizes.find((x) => x.name === '70m');
if (!s || s.device !== 'cuda') { console.error('gpu.sh: FAIL, the runner did not use CUDA (device: ' + (s && s.device) + ')'); process.exit(3); }
for (const [mode, m] of Object.entries(s.modes)) {
  const i = m.itemsPerSecond;
  console.log(mode + ': runner ' + i.runner.toFixed(1) + ' items/s, floor ' + i.floor.toFixed(1) + ', naive ' + i.naive.toFixed(1) + '; floor/runner ' + m.floorRatio.toFixed(2) + 'x, runner/naive ' + m.naiveRatio.toFixed(2) + 'x');
}
console.log('gpu.sh: CUDA was used');
"
