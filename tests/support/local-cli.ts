/** The owner's CLI and the SES emulator's inbox, against a running local stack. */
import { main } from '../../scripts/course/cli.js';
import { createContext } from '../../scripts/course/wiring.js';
import type { LocalStack } from '../../scripts/local-stack.js';
import { Buffer } from '../cli/harness.js';

export interface StoredEmail {
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

/** Runs `npm run course -- <argv>` as the owner would, with the stack's ports and data folder. */
export async function runLocalCli(stack: LocalStack, dataDir: string, ...argv: string[]) {
  const out = new Buffer();
  const err = new Buffer();
  const env = {
    DYNAMODB_PORT: String(stack.ports.dynamodb),
    INBOX_PORT: String(stack.ports.inbox),
    PORT: String(stack.ports.site),
  };
  const code = await main(argv, {
    out,
    err,
    context: (target) => createContext(target, { out, err, env, localDataDir: dataDir }),
  });
  return { code, out: out.text, err: err.text };
}

/** Every email the emulator holds for `address`, oldest first. */
export async function inboxOf(stack: LocalStack, address: string): Promise<StoredEmail[]> {
  const { emails } = (await (await fetch(`${stack.urls.inbox}/store`)).json()) as { emails: StoredEmail[] };
  return emails.filter((e) => e.destination.to.includes(address));
}
