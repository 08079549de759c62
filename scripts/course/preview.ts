/** `course preview`: serves the email gallery and prints its address. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, constants } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { course } from '../../functions/core/course.js';
import type { Output } from './context.js';
import { CommandError } from './errors.js';

export interface PreviewOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Open the gallery in the default browser, if the machine has one. */
  readonly open?: boolean;
}

/** A running gallery. */
export interface RunningPreview {
  readonly url: string;
  close(): Promise<void>;
}

/** Default gallery port, as `npm run preview` uses (there PREVIEW_PORT changes it; here `--port`). */
export const DEFAULT_PREVIEW_PORT = 3100;

/**
 * Starts the gallery (recompiling the MJML on each page load, so edits show on refresh),
 * prints its URL and, with `open`, opens it in a browser when one exists.
 */
export async function runPreview(opts: PreviewOptions, out: Output): Promise<RunningPreview> {
  const { configuredSettings, createPreviewServer } = await import('../preview.js');
  let settings: ReturnType<typeof configuredSettings>;
  try {
    settings = configuredSettings();
  } catch (error) {
    throw new CommandError((error as Error).message);
  }
  const server = createPreviewServer({ live: true, settings });
  server.listen(opts.port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new CommandError(
        `Port ${opts.port} is already in use; pick another with --port (0 = any free port).`,
      );
    }
    throw error;
  }
  const url = `http://localhost:${(server.address() as AddressInfo).port}/`;
  out.write(`Email preview: ${url}  (edit emails/${course.id}/*.mjml and refresh; Ctrl+C to stop)\n`);
  if (opts.open) {
    const opener = await findOpener();
    if (opener) {
      spawn(opener, [url], { detached: true, stdio: 'ignore' })
        .on('error', () => {})
        .unref();
    } else {
      out.write('No browser found on this machine; open the address above yourself.\n');
    }
  }
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function findOpener(): Promise<string | undefined> {
  const candidates =
    process.platform === 'darwin' ? ['open'] : process.platform === 'win32' ? [] : ['xdg-open'];
  for (const name of candidates) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      try {
        await access(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not in this folder
      }
    }
  }
  return undefined;
}
