/**
 * `npm run course -- <command>`: the course owner's command line. Run with `--help` for
 * the commands; everything lives in scripts/course/.
 */
import { createInterface } from 'node:readline/promises';
import {
  CourseContentError,
  CourseNotBuiltError,
  courseDirFor,
  selectedCourseId,
  useCourse,
} from './courses.js';

// The commands read the course through `#course`: point it at the chosen one (COURSE, else
// course.config.json) before they load, building it first in a fresh checkout. An unknown
// or broken course stops here, changing nothing.
try {
  const id = selectedCourseId();
  try {
    useCourse(id);
  } catch (error) {
    if (!(error instanceof CourseNotBuiltError)) throw error;
    const { EmailBuildError, writeEmails } = await import('./build-emails.js');
    process.stderr.write(`Building the ${id} course first...\n`);
    await writeEmails({ dir: courseDirFor(id) }).catch((e: unknown) => {
      throw e instanceof EmailBuildError ? new CourseContentError(e.message) : e;
    });
    useCourse(id);
  }
} catch (error) {
  if (!(error instanceof CourseContentError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const { main } = await import('./course/cli.js');
const { createContext } = await import('./course/wiring.js');

/** Asks on the terminal; only offered when someone is there to answer. */
async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

// The SDK warns on every run that releases after January 2027 will need Node 22; the
// owner can do nothing about it mid-command, and it would bury the command's own output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const io = { out: process.stdout, err: process.stderr, env: process.env };
process.exitCode = await main(process.argv.slice(2), {
  ...io,
  context: (target) => createContext(target, { ...io, ...(process.stdin.isTTY ? { confirm } : {}) }),
});
