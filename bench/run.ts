/**
 * `npm run bench [-- section...]`: runs the benchmark sections (all by default), prints
 * a table for each, stores the figures in bench/results.json and rewrites BENCHMARKS.md
 * from every stored section, so running one section keeps the others' last figures.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, platform, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRenderBench } from './render.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsFile = join(root, 'bench/results.json');
const reportFile = join(root, 'BENCHMARKS.md');

type Figures = Record<string, number>;

/** One benchmark: how to run it and how to report its stored figures. */
interface BenchSection {
  readonly name: string;
  readonly title: string;
  run(): Promise<Figures>;
  /** Markdown rows `| measure | value |` for the report. */
  rows(figures: Figures): readonly (readonly [string, string])[];
  /** A sentence or two on what the numbers mean. */
  note(figures: Figures): string;
}

const us = (value: number | undefined) =>
  value === undefined ? '?' : `${value.toFixed(value < 10 ? 2 : 0)} µs`;

/** Add new sections here. */
const sections: readonly BenchSection[] = [
  {
    name: 'render',
    title: 'Email rendering: compile per send vs precompiled',
    run: async () => ({ ...(await runRenderBench()) }),
    rows: (f) => [
      ['Compile per send (mjml2html + html-to-text + fill), median', us(f.compilePerSendUs)],
      ['Precompiled (`renderEmail`), median', us(f.precompiledUs)],
      ['Speed-up', `${Math.round(f.ratio ?? 0)}×`],
    ],
    note: (f) =>
      `Lesson 1 with its sample data. Compiling the MJML at build time and filling placeholders at send time is ${Math.round(f.ratio ?? 0)} times faster (target: at least 500), and keeps mjml out of the Lambda bundles.`,
  },
];

interface Results {
  machine: Record<string, string | number>;
  date: string;
  [section: string]: unknown;
}

function machine(): Results['machine'] {
  const cpu = cpus();
  return {
    os: `${type()} ${release()} (${platform()})`,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
  };
}

function markdown(results: Results): string {
  const m = results.machine;
  const lines = [
    '# Benchmarks',
    '',
    `Run with \`npm run bench\` on ${results.date.slice(0, 10)}. Figures are medians over many runs; raw numbers are in \`bench/results.json\`.`,
    '',
    '| Machine | |',
    '| --- | --- |',
    `| OS | ${m.os} |`,
    `| CPU | ${m.cpu} |`,
    `| Cores | ${m.cores} |`,
    `| Memory | ${m.memoryGiB} GiB |`,
    `| Node.js | ${m.node} |`,
    `| Date | ${results.date} |`,
    '| Command | `npm run bench` |',
  ];
  for (const section of sections) {
    const figures = results[section.name] as Figures | undefined;
    if (!figures) continue;
    lines.push('', `## ${section.title}`, '', '| Measure | Result |', '| --- | --- |');
    for (const [label, value] of section.rows(figures)) lines.push(`| ${label} | ${value} |`);
    lines.push('', section.note(figures));
  }
  return `${lines.join('\n')}\n`;
}

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((name) => !sections.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`Unknown bench section(s): ${unknown.join(', ')}`);
  const chosen = argv.length > 0 ? sections.filter((s) => argv.includes(s.name)) : sections;
  const previous: Partial<Results> = existsSync(resultsFile)
    ? JSON.parse(await readFile(resultsFile, 'utf8'))
    : {};
  const results: Results = { ...previous, machine: machine(), date: new Date().toISOString() };
  for (const section of chosen) {
    console.log(`\n${section.title}`);
    const figures = await section.run();
    results[section.name] = figures;
    console.table(
      Object.fromEntries(section.rows(figures).map(([label, value]) => [label, { result: value }])),
    );
  }
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(reportFile, markdown(results));
  console.log('\nWrote bench/results.json and BENCHMARKS.md');
}

await main(process.argv.slice(2));
