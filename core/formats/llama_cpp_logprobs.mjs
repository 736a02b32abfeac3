// llama.cpp's side of the export checks (core/formats/llama_cpp_logprobs.h writes this file, compiled
// into the program, beside a node-llama-cpp install): loads a GGUF with an unmodified llama.cpp
// (CPU, F32 KV cache, no flash attention: its CPU kernel rounds through f16, 2e-3 in log-prob
// against 4e-6 without), tokenizes TEXT without adding anything and prints one JSON object: the
// tokens, and after each the log-probability of every vocabulary entry as the next token (null
// where llama.cpp gives probability 0). On a failed load llama.cpp's own log lines go to stderr
// (the JavaScript error only says the load failed) and the exit code is 3.
//   node r1wb-logprobs.mjs MODEL.gguf TEXT CONTEXT_SIZE
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const [modelPath, text, contextArg] = process.argv.slice(2);
const logs = [];
const llama = await getLlama({
  gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true,
  logLevel: LlamaLogLevel.info, logger: (level, message) => logs.push(`[${level}] ${message}`),
});
let model;
try {
  model = await llama.loadModel({modelPath, gpuLayers: 0});
} catch (e) {
  process.stderr.write(logs.join("") + "\n" + String(e) + "\n");
  process.exit(3);
}
const context = await model.createContext({
  contextSize: Number(contextArg), threads: 1, flashAttention: false,
  experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
});
const tokens = model.tokenize(text);
const evaluated = await context.getSequence().controlledEvaluate(
  tokens.map((t) => [t, {generateNext: {probabilities: true}}]));
let vocab = 0;
for (const r of evaluated) for (const t of r.next.probabilities.keys()) vocab = Math.max(vocab, t + 1);
const rows = evaluated.map((r) => {
  const row = new Array(vocab).fill(null);
  for (const [t, p] of r.next.probabilities) if (p > 0) row[t] = Math.log(p);
  return row;
});
process.stdout.write(JSON.stringify({tokens, next_logprobs: rows}) + "\n");
await model.dispose();
await llama.dispose();
