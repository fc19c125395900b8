import { runTool } from '../../../infra/media/run-tool';

/**
 * The time limit of a media tool counts CPU time: a worker starved of CPU at noon must not fail a
 * sound file, while a tool that burns its limit, or never ends, is still stopped.
 */
describe('runTool time limit', () => {
  it('lets a tool that waits without using its CPU limit run past the limit in wall time', async () => {
    const started = Date.now();
    const result = await runTool('sleep', ['1.5'], { timeoutMs: 500 });
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('stops a tool that uses up its limit in CPU time', async () => {
    await expect(runTool('sh', ['-c', 'while :; do :; done'], { timeoutMs: 500 })).rejects.toMatchObject({
      name: 'MediaError',
      code: 'timeout',
    });
  });

  it('stops a tool that never ends once it has run eight times its limit in wall time', async () => {
    const started = Date.now();
    await expect(runTool('sleep', ['60'], { timeoutMs: 200 })).rejects.toMatchObject({ code: 'timeout' });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(elapsed).toBeLessThan(10_000);
  });
});
