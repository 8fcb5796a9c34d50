// Device choice: onnxruntime-node throws when CUDA cannot load (always, on this CPU-only machine); `auto`
// must fall back to the CPU and say why in one line, `cuda` must refuse with a CpiError.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpointSeries, loadOnnxModel, type ResolvedCheckpoint } from '../src/index.ts';
import { makeCheckpoint, tempDir } from './fixtures/checkpoints.ts';

let root: { dir: string; cleanup: () => Promise<void> };
let checkpoint: ResolvedCheckpoint;
beforeAll(async () => {
  root = await tempDir();
  await makeCheckpoint(join(root.dir, 'cp'));
  [checkpoint] = (await loadCheckpointSeries(join(root.dir, 'cp'))) as [ResolvedCheckpoint];
});
afterAll(() => root.cleanup());

// Where a CUDA provider does load (a GPU machine with the provider installed), these expectations flip.
const cudaWorks = process.env['CPI_EXPECT_CUDA'] === '1';

describe.skipIf(cudaWorks)('without a usable CUDA provider', () => {
  it('auto falls back to the CPU, says why in one line, and only once', async () => {
    const notices: string[] = [];
    const first = await loadOnnxModel(checkpoint.files, { device: 'auto', onNotice: (m) => notices.push(m) });
    expect(first.device).toBe('cpu');
    const [r] = await first.scoreContinuations([{ prompt: 'Answer:', continuation: ' Paris' }], { batchSize: 1 });
    expect(r?.ok).toBe(true);
    await first.dispose();
    const second = await loadOnnxModel(checkpoint.files, { device: 'auto', onNotice: (m) => notices.push(m) });
    await second.dispose();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^CUDA unavailable \(.+\); using the CPU$/);
    expect(notices[0]).not.toContain('\n');
  });

  it('cuda refuses with CPI_CUDA_UNAVAILABLE and a hint', async () => {
    await expect(loadOnnxModel(checkpoint.files, { device: 'cuda' })).rejects.toMatchObject({
      code: 'CPI_CUDA_UNAVAILABLE',
      hint: expect.stringContaining('--device cpu'),
    });
  });
});
