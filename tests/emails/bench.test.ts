import { describe, expect, it } from 'vitest';
import { runRenderBench } from '../../bench/render.js';

describe('render benchmark', () => {
  it('measures compile-per-send against precompiled rendering of the same lesson', async () => {
    const result = await runRenderBench({ compileRuns: 2, renderSamples: 3, batch: 20 });

    expect(result.compilePerSendUs).toBeGreaterThan(0);
    expect(result.precompiledUs).toBeGreaterThan(0);
    expect(result.ratio).toBeCloseTo(result.compilePerSendUs / result.precompiledUs);
  });
});
