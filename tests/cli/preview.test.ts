import { describe, expect, it } from 'vitest';
import { emailIds } from '../../functions/core/course.js';
import { main } from '../../scripts/course/cli.js';
import { Buffer } from './harness.js';

const noContext = async () => {
  throw new Error('preview needs no stack');
};

describe('course preview', () => {
  it('serves the email gallery, prints its address, and stops when asked', async () => {
    const out = new Buffer();
    const err = new Buffer();
    let page = '';
    let status = 0;

    const code = await main(['preview', '--port', '0'], {
      out,
      err,
      context: noContext,
      waitForStop: async () => {
        const url = /Email preview: (http:\/\/localhost:\d+\/)/.exec(out.text)?.[1];
        const response = await fetch(url ?? 'http://invalid/');
        status = response.status;
        page = await response.text();
      },
    });

    expect(err.text).toBe('');
    expect(code).toBe(0);
    expect(status).toBe(200);
    for (const id of emailIds) expect(page).toContain(id);
    const url = /Email preview: (http:\/\/localhost:\d+\/)/.exec(out.text)?.[1] as string;
    await expect(fetch(url)).rejects.toThrow();
  });

  it('says the port is taken instead of crashing, exit code 1', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    const err = new Buffer();
    try {
      const code = await main(['preview', '--port', String(port)], {
        out: new Buffer(),
        err,
        context: noContext,
        waitForStop: async () => {},
      });

      expect(code).toBe(1);
      expect(err.text).toContain(`Port ${port} is already in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('rejects a port that is not a number, exit code 2', async () => {
    const err = new Buffer();

    const code = await main(['preview', '--port', 'http'], { out: new Buffer(), err, context: noContext });

    expect(code).toBe(2);
    expect(err.text).toContain('--port must be a port number');
  });
});
