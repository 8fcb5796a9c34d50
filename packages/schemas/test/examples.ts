// One valid document per schema; tests derive the bad ones from these.
import type { SchemaName, SchemaTypes } from '../src/index.ts';

const H = 'a'.repeat(64);
const rate = { mean: 0.5, lo: 0.4, hi: 0.6, n: 100 };

export const validExamples: { [N in SchemaName]: SchemaTypes[N] } = {
  fact: {
    schemaVersion: 1, id: 'country_capital:france', subject: 'France', relation: 'country_capital', object: 'Paris',
    objectAliases: ['Paris, France'], subjectType: 'country', objectType: 'city', source: 'countries-list@3.4.1', licence: 'MIT',
  },
  conflictItem: {
    schemaVersion: 1, id: 'cpi:country_capital:france:conflict', dataset: 'cpi', category: 'country_capital', split: 'conflict',
    groupId: 'country_capital:france', context: 'After the 2031 reform, the capital of France moved to Lyon.',
    question: 'What is the capital of France?', contextAnswer: 'Lyon', parametricAnswer: 'Paris',
    substitution: { strategy: 'same_type_swap' }, answerPosition: { bucket: 'end', charFraction: 0.9 },
    provenance: { source: 'generator', factId: 'country_capital:france' },
  },
  datasetManifest: {
    schemaVersion: 1, generatorVersion: '0.1.0', seed: 7,
    counts: { total: 2, bySplit: { conflict: 1, aligned: 1 }, byDataset: { cpi: { conflict: 1, aligned: 1 } } },
    files: [{ path: 'cpi.jsonl', sha256: H, bytes: 10, format: 'jsonl', items: 2, dataset: 'cpi' }],
  },
  promptTemplate: {
    schemaVersion: 1, id: 'alpaca', format: 'alpaca', text: 'Background: {context}\n"Question": {question}', slots: ['context', 'question'],
  },
  checkpointManifest: {
    schemaVersion: 1, path: 'ckpts/checkpoint-500', step: 500, modelFamily: 'gpt2',
    files: [{ path: 'model.onnx', sha256: H, bytes: 1000 }], modelHash: H, tokenizerHash: H, dtype: 'fp32',
  },
  runSpec: {
    $schema: './run-spec.schema.json', schemaVersion: 1, checkpoints: ['series/checkpoint-0', 'series/checkpoint-100'], dataset: 'datasets/default', splits: ['conflict', 'closed_book'],
    mode: 'both', template: { id: 'my-qa', jinja: '{% if context %}Context: {{ context }}\n{% endif %}Question: {{ question }}\nAnswer:' }, limit: 200,
    label: 'baseline', report: { scorer: 'containment', view: 'known_facts', minRise: 0.05, smoothing: 2 },
  },
  runConfig: {
    schemaVersion: 1, runId: 'run-1', checkpoints: [{ path: 'c/checkpoint-1', step: 1, modelHash: H, tokenizerHash: H }],
    dataset: { path: 'datasets/default', sha256: H, items: 10 }, splits: ['conflict'], mode: 'both', template: 'plain',
    device: 'auto', batchSize: 8, maxNewTokens: 16, provenance: { tool: 'cpi-bench', toolVersion: '0.1.0' },
  },
  predictionRecord: {
    schemaVersion: 1, key: H, itemId: 'x', split: 'conflict', step: 10, modelHash: H, mode: 'score', template: 'plain', ok: true,
    candidates: [{ role: 'context', text: 'Lyon', logprob: -1.5, tokenCount: 2 }, { role: 'parametric', text: 'Paris', logprob: -0.5, tokenCount: 1 }],
  },
  checkpointMetrics: {
    schemaVersion: 1, step: 10, modelHash: H,
    groups: [{ dataset: '*', category: '*', split: 'conflict', scorer: 'containment', view: 'all', n: 100, rates: { contextReliance: rate } }],
  },
  inversionReport: {
    schemaVersion: 1,
    runs: [{
      label: 'baseline', scorer: 'containment',
      points: [{ step: 0, contextReliance: rate, parametricReliance: rate }],
      trajectory: { peakStep: 0, peakValue: 0.5, finalStep: 0, finalValue: 0.5, drop: 0, relativeDrop: 0 },
      verdict: { detected: false, reasons: ['only one checkpoint'] },
    }],
  },
  finetuneExample: { schemaVersion: 1, instruction: 'Name the capital.', input: 'France', output: 'Paris' },
  mitigationReport: {
    schemaVersion: 1, transform: 'counterfactual_augment', params: { share: 0.1 }, input: { count: 10 }, output: { count: 11 }, stats: { added: 1 },
  },
};
