/**
 * Writes test/fixtures/demo-scored.json: the demo contest with a full, plausible set of sheets
 * (every non-recused judge scores every presenter). Deterministic, so the fixture can be
 * regenerated and compared: `npx tsx scripts/make-demo-scores.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const demo = JSON.parse(readFileSync(new URL('../contests/demo-wangcheng-2023.json', import.meta.url), 'utf8'));

// mulberry32: a tiny seeded generator, so the fixture is the same on every run
let seed = 20240105;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// items are whole half-points, built as integers of halves so no float arithmetic decides a value
function item(max: number, quality: number): number {
  const halves = Math.round(max * 2 * Math.min(1, Math.max(0.5, quality + (random() - 0.5) * 0.12)));
  return halves / 2;
}

const scores = [];
for (const presenter of demo.presenters) {
  const quality = 0.78 + random() * 0.16;
  for (const judge of demo.judges) {
    if ((presenter.recused ?? []).includes(judge.key)) continue;
    const items: Record<string, number> = {};
    for (const c of demo.rules.criteria) items[c.key] = item(c.max, quality);
    scores.push({ presenter: presenter.key, judge: judge.key, items });
  }
}

writeFileSync(new URL('../test/fixtures/demo-scored.json', import.meta.url), `${JSON.stringify({ ...demo, scores }, null, 1)}\n`);
console.log(`${scores.length} sheets written`);
