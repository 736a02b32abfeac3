#!/usr/bin/env bash
# The layering of docs/architecture.md, checked on the sources and on the CMake link lists:
# core/ includes and links no Qt and no LibTorch, gpu/model/ nothing of the training side
# (train/, dist/, cli/), gpu/ nothing of Qt or views/, views/ nothing of the engine, and no
# layer includes app/. Prints each offending line and exits 1; exit 0 when all hold.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
status=0
check() {  # check WHAT DIRS... -- PATTERN
  local what=$1; shift
  local dirs=()
  while [ "$1" != "--" ]; do dirs+=("$1"); shift; done
  local pattern=$2
  local hits
  hits=$(grep -rnE --include='*.h' --include='*.cpp' "$pattern" "${dirs[@]}" 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "check-layers: $what:"
    echo "$hits" | sed 's/^/  /'
    status=1
  fi
}
check "core/ includes Qt or LibTorch" core -- '#include\s*[<"](Q[A-Za-z]+|torch/|ATen/|c10/|imgui)'
check "core/ includes another layer" core -- '#include\s*"(gpu|views|app|ctl)/'
check "ctl/ includes Qt, LibTorch or a layer other than core" ctl -- '#include\s*([<"](Q[A-Za-z]+|torch/|ATen/|c10/|imgui)|"(gpu|views|app)/)'
check "gpu/model/ includes the training side" gpu/model -- '#include\s*"gpu/(sample|train|rl|dist|cli)/'
check "gpu/runtime/ includes a layer above it" gpu/runtime -- '#include\s*"gpu/(model|data|sample|train|rl|dist|cli)/'
check "gpu/data/ includes the model or the training side" gpu/data -- '#include\s*"gpu/(model|sample|train|rl|dist|cli)/'
check "gpu/sample/ includes the training side" gpu/sample -- '#include\s*"gpu/(train|rl|dist|cli)/'
check "gpu/train/ includes rl/, dist/ or cli/" gpu/train -- '#include\s*"gpu/(rl|dist|cli)/'
check "gpu/rl/ includes distill/, dist/ or cli/" gpu/rl -- '#include\s*"gpu/(distill|dist|cli)/'
check "gpu/distill/ includes dist/ or cli/" gpu/distill -- '#include\s*"gpu/(dist|cli)/'
check "gpu/dist/ includes cli/" gpu/dist -- '#include\s*"gpu/cli/'
check "gpu/export/ includes the training side" gpu/export -- '#include\s*"gpu/(train|rl|dist|cli)/'
check "gpu/ includes Qt or views/" gpu -- '#include\s*[<"](Q[A-Za-z]+|views/|imgui)'
check "views/ includes the engine" views -- '#include\s*[<"](gpu/|torch/|ATen/|c10/)'
check "a layer includes app/" core gpu views -- '#include\s*"app/'
# The link lists: a library below must not link one above it, nor core Qt or LibTorch.
links() {  # links TARGET CMAKEFILE FORBIDDEN-REGEX
  local hit
  hit=$(tr '\n' ' ' < "$2" | grep -oE "target_link_libraries\($1 [^)]*\)" | grep -E "$3")
  if [ -n "$hit" ]; then
    echo "check-layers: $1 links what it must not ($2): $hit"
    status=1
  fi
}
links core core/CMakeLists.txt 'Qt|TORCH|torch|IMGUI|gpu|views'
links gpu_runtime gpu/CMakeLists.txt 'gpu_(model|data|sample|train|dist|cli)|Qt'
links gpu_model gpu/CMakeLists.txt 'gpu_(data|sample|train|dist|cli)|Qt'
links gpu_data gpu/CMakeLists.txt 'gpu_(model|sample|train|dist|cli)|Qt'
links gpu_sample gpu/CMakeLists.txt 'gpu_(train|dist|cli)|Qt'
links gpu_train gpu/CMakeLists.txt 'gpu_(rl|dist|cli)|Qt'
links gpu_rl gpu/CMakeLists.txt 'gpu_(distill|dist|cli)|Qt'
links gpu_distill gpu/CMakeLists.txt ' gpu_(dist|cli)[ )]|Qt'
links gpu_dist gpu/CMakeLists.txt 'gpu_cli|Qt'
links views views/CMakeLists.txt 'gpu|TORCH|torch'
[ $status -eq 0 ] && echo "check-layers: core, gpu (runtime <- model, data <- sample <- train <- rl <- distill, dist <- cli) and views keep their direction"
exit $status
