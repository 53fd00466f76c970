/**
 * `npm run --silent recount -- FILE`: recounts a contest file independently of any server.
 * Prints the results JSON on stdout and nothing else; an invalid file exits 2 with one line on
 * stderr naming what is wrong, and nothing on stdout.
 */
import { readFile } from 'node:fs/promises';
import { readContestFile } from '../contest-file/contest-file.ts';
import { computeResults } from '../domain/scoring.ts';
import { resultsReport } from '../domain/results-report.ts';
import { isAppError } from '../errors.ts';

function fail(message: string): never {
  process.stderr.write(`recount: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(2);
}

const file = process.argv[2];
if (!file || process.argv.length > 3) fail('usage: npm run --silent recount -- CONTEST_FILE.json');

let text: string;
try {
  text = await readFile(file, 'utf8');
} catch (error) {
  fail(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
}

try {
  const { definition, sheets, votes } = readContestFile(text.replace(/^\uFEFF/, ''));
  const report = resultsReport(definition, computeResults(definition, sheets, votes));
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} catch (error) {
  if (isAppError(error)) fail(`${file}: ${error.message}`);
  throw error;
}
