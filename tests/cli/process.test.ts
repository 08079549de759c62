/**
 * The real command as the owner runs it: a separate process through tsx, with its exit
 * codes and streams.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function course(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync('npx', ['tsx', 'scripts/course.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the course command', () => {
  it('prints its help with every command and exits 0', () => {
    const { code, stdout } = course(['--help']);

    expect(code).toBe(0);
    for (const command of [
      'stats',
      'list',
      'show',
      'export',
      'erase',
      'unsubscribe',
      'resend-confirmation',
      'send-test',
      'preview',
    ]) {
      expect(stdout).toContain(`  ${command} `);
    }
  });

  it('prints a command’s own help', () => {
    const { code, stdout } = course(['export', '--help']);

    expect(code).toBe(0);
    expect(stdout).toContain('Usage: npm run course -- export --out FILE [--force]');
  });

  it('exits 2 with a message on stderr for an unknown command', () => {
    const { code, stdout, stderr } = course(['statx']);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Unknown command "statx". Did you mean stats');
  });

  it('exits 1 naming the endpoint when the local stack is not running', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));

    const { code, stderr } = course(['stats'], { DYNAMODB_PORT: String(port) });

    expect(code).toBe(1);
    expect(stderr).toContain(`Cannot reach DynamoDB at http://localhost:${port}`);
    expect(stderr).not.toContain('    at ');
  });
});
