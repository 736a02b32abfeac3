# Sourced by the pipelines: train PRESET.json into ./<its name> (with the store ./workbench.db)
# unless an earlier call finished it, timing it. Needs $runner.
train() {
  local name; name="$(basename "$1" .json)"
  [ -f "$name.done" ] && return
  local start=$(date +%s)
  "$runner" train "$1" --run-dir "$name" --store workbench.db --no-stream
  echo "== $name trained in $(( $(date +%s) - start )) s"
  touch "$name.done"
}
