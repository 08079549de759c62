/**
 * The owner's CLI reference in docs/operating.md against the CLI's own help: every
 * command and option the help shows is documented, and the docs name no command or
 * option the CLI does not have.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../scripts/course/cli.js';
import { projectDocs, read } from './markdown.js';

const DOC = 'docs/operating.md';
const REFERENCE_HEADING = '## Command reference';
const GLOBAL_SECTION = 'Options for every command';

interface CommandHelp {
  readonly name: string;
  /** The usage line, e.g. `npm run course -- list [--status STATUS] [--limit N]`. */
  readonly usage: string;
  /** Its own options, long and short, e.g. `--yes`, `-y`. */
  readonly options: readonly string[];
}

/** What `npm run course -- <argv>` prints on stdout; help needs no course to talk to. */
async function helpText(argv: readonly string[]): Promise<string> {
  let text = '';
  const out = {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
  };
  const code = await main(argv, {
    out,
    err: out,
    context: () => Promise.reject(new Error('help should not connect to a course')),
  });
  expect(code, `npm run course -- ${argv.join(' ')}`).toBe(0);
  return text;
}

/** The lines of a help section: from its title line to the next blank line. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Option flags in a piece of text: `--name` and `-x`, not hyphenated words or `--` alone. */
function flagsIn(text: string): string[] {
  return [...new Set([...text.matchAll(/(?<![\w-])--?[a-z][\w-]*/gi)].map((m) => m[0]))];
}

/** The flags in the rows of a section's options table (`| \`--out FILE\` | ... |`). */
function tableFlags(text: string): string[] {
  const rows = text.split('\n').filter((line) => line.startsWith('| `'));
  return flagsIn(rows.map((row) => row.split('|')[1] ?? '').join('\n'));
}

/** The reference section of the doc, split into its `###` subsections by title. */
function referenceSections(): Map<string, string> {
  const doc = read(DOC);
  const start = doc.indexOf(`\n${REFERENCE_HEADING}\n`);
  expect(start, `${DOC} has a "${REFERENCE_HEADING}" section`).toBeGreaterThan(-1);
  const rest = doc.slice(start + REFERENCE_HEADING.length + 2);
  const end = rest.search(/^## /m);
  const reference = end < 0 ? rest : rest.slice(0, end);
  const sections = new Map<string, string>();
  for (const part of reference.split(/^### /m).slice(1)) {
    const newline = part.indexOf('\n');
    const title = part.slice(0, newline).trim().replace(/^`|`$/g, '');
    sections.set(title, part.slice(newline + 1));
  }
  return sections;
}

async function cliHelp(): Promise<{ commands: CommandHelp[]; globals: string[] }> {
  const overall = await helpText(['--help']);
  const names = section(overall, 'Commands:').map((line) => line.trim().split(/\s+/)[0] as string);
  const globals = flagsIn(section(overall, 'Options for every command:').join('\n'));
  const commands = await Promise.all(
    names.map(async (name) => {
      const text = await helpText([name, '--help']);
      const usage = /^Usage: (.+)$/m.exec(text)?.[1] ?? '';
      return { name, usage, options: flagsIn(section(text, 'Options:').join('\n')) };
    }),
  );
  return { commands, globals };
}

describe('the CLI reference in docs/operating.md', async () => {
  const { commands, globals } = await cliHelp();
  const sections = referenceSections();
  const byName = new Map(commands.map((c) => [c.name, c]));

  it('reads the commands and options from the CLI help', () => {
    expect(commands.length).toBeGreaterThan(5);
    expect(globals).toEqual(expect.arrayContaining(['--stack', '--region', '--help']));
    for (const command of commands) expect(command.usage).toContain(`npm run course -- ${command.name}`);
  });

  it('has a section for every command, and for no command the CLI lacks', () => {
    const documented = [...sections.keys()].filter((title) => title !== GLOBAL_SECTION);
    expect(documented.sort()).toEqual(commands.map((c) => c.name).sort());
  });

  it('documents the options every command takes, and no others', () => {
    const text = sections.get(GLOBAL_SECTION);
    expect(text, `a "### ${GLOBAL_SECTION}" section`).toBeDefined();
    expect(tableFlags(text ?? '').sort()).toEqual([...globals].sort());
    expect(flagsIn(text ?? '').sort()).toEqual([...globals].sort());
  });

  it.each(commands.map((c) => [c.name, c] as const))(
    'documents `%s` with its usage line and each option',
    (_name, command) => {
      const text = sections.get(command.name) ?? '';
      expect(text, `the usage line of ${command.name}`).toContain(command.usage);
      const inTable = tableFlags(text);
      const missing = command.options.filter((flag) => !inTable.includes(flag));
      expect(missing, `options of ${command.name} missing from its table in ${DOC}`).toEqual([]);
      const unknown = flagsIn(text).filter(
        (flag) => !command.options.includes(flag) && !globals.includes(flag),
      );
      expect(unknown, `options in the ${command.name} section that it does not take`).toEqual([]);
    },
  );

  it('names only real commands and options wherever README.md and docs/ show `npm run course`', () => {
    const wrong: string[] = [];
    for (const file of projectDocs()) {
      for (const match of read(file).matchAll(/npm run course -- ([^`\n#)]*)/g)) {
        const words = (match[1] as string)
          .trim()
          .split(/\s+/)
          .map((word) => word.replace(/^\[|\]$/g, ''));
        const name = words.find((word) => !word.startsWith('-'));
        const command = name === undefined || name.startsWith('<') ? undefined : byName.get(name);
        if (name !== undefined && !name.startsWith('<') && !command) {
          wrong.push(`${file}: unknown command in "${match[0].trim()}"`);
          continue;
        }
        for (const flag of words.filter((word) => /^--?[a-z]/i.test(word))) {
          if (!globals.includes(flag) && !command?.options.includes(flag)) {
            wrong.push(`${file}: unknown option ${flag} in "${match[0].trim()}"`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
