#!/bin/bash
# vit_mnist on MNIST after 2 epochs, 1 process x 2 threads against 2 MPI ranks x 1 thread, for seeds FIRST..LAST,
# one run after the other; prints a line per seed with both test accuracies and training times (docs/distributed.md).
# Usage: tools/mpi_accuracy_pairs.sh VITRUM_DLL OUT_DIR [FIRST] [LAST]
set -euo pipefail
dll=$1 out=$2 first=${3:-0} last=${4:-7}
mkdir -p "$out"
for s in $(seq "$first" "$last"); do
  dotnet "$dll" train --model vit_mnist --dataset mnist --epochs 2 --threads 2 --seed "$s" --json --out "$out/one$s" --overwrite > "$out/one$s.json" 2> "$out/one$s.err"
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 TERM=dumb mpirun --allow-run-as-root -np 2 \
    dotnet "$dll" train --model vit_mnist --dataset mnist --epochs 2 --threads 1 --seed "$s" --json --out "$out/two$s" --overwrite > "$out/two$s.json" 2> "$out/two$s.err"
  echo "seed $s one $(grep -o '"test_accuracy":[0-9.]*' "$out/one$s.json") $(grep -o '"seconds":[0-9.]*' "$out/one$s.json")" \
       "two $(grep -o '"test_accuracy":[0-9.]*' "$out/two$s.json") $(grep -o '"seconds":[0-9.]*' "$out/two$s.json")"
done
