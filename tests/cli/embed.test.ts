import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { course } from '../../functions/core/course.js';
import { main } from '../../scripts/course/cli.js';
import { createContext, type WiringIo } from '../../scripts/course/wiring.js';
import { Buffer } from './harness.js';

const configFile = fileURLToPath(new URL('../fixtures/cli/course.config.json', import.meta.url));

/** Runs the CLI with the real wiring; no local stack has recorded its ports. */
async function cli(argv: string[], io: Partial<WiringIo> = {}) {
  const out = new Buffer();
  const err = new Buffer();
  const wiring: WiringIo = {
    out,
    err,
    env: {},
    configFile,
    localStackFile: join(tmpdir(), 'no-local-stack-here.json'),
    ...io,
  };
  const code = await main(argv, { out, err, context: (target) => createContext(target, wiring) });
  return { code, out: out.text, err: err.text };
}

describe('course embed', () => {
  it('prints the snippet for the local stack: a div with a link to the hosted page, and one async script', async () => {
    const result = await cli(['embed'], { env: { PORT: '3456' } });

    expect(result.code).toBe(0);
    expect(result.out).toBe(`<div data-course-signup>
  <a href="http://localhost:3456/">Sign up for the free email course: ${course.title}</a>
</div>
<script src="http://localhost:3456/embed.js" async></script>
`);
    // What to do next goes to stderr, so `> snippet.html` keeps only the snippet.
    expect(result.err).toContain('allowedOrigins');
  });

  it('takes the API address of a deployed stack from its outputs', async () => {
    const cloudFormation = new CloudFormationClient({ region: 'eu-west-1' });
    mockClient(cloudFormation)
      .on(DescribeStacksCommand)
      .resolves({
        Stacks: [
          {
            StackName: 'knee-course',
            CreationTime: new Date(),
            StackStatus: 'CREATE_COMPLETE',
            Outputs: [
              { OutputKey: 'TableName', OutputValue: 'knee-course-table' },
              { OutputKey: 'ApiUrl', OutputValue: 'https://abc123.execute-api.eu-west-1.amazonaws.com/' },
            ],
          },
        ],
      });

    const result = await cli(['embed', '--stack', 'knee-course'], { cloudFormation });

    expect(result.code).toBe(0);
    expect(result.out).toContain(
      '<script src="https://abc123.execute-api.eu-west-1.amazonaws.com/embed.js" async></script>',
    );
    expect(result.out).toContain('<a href="https://abc123.execute-api.eu-west-1.amazonaws.com/">');
  });

  it('refuses arguments it does not take', async () => {
    const result = await cli(['embed', 'extra']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('Unexpected argument "extra"');
  });
});
