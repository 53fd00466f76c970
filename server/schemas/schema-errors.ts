/**
 * How a schema refusal names what it refuses, shared by the contest file's reader and the HTTP
 * routes' validation: the field as a dotted path, the value as a short excerpt.
 */

/** "/rules/panels/0/weight" → "rules.panels[0].weight" */
export function dotted(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

/** A value as a short JSON excerpt for a message; a value too deep to print is just described. */
function shortJson(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 60) ?? String(value);
  } catch {
    return Array.isArray(value) ? 'a deeply nested list' : 'a deeply nested value';
  }
}

/** "(got …)", or "(it is missing)" */
export function whatCame(value: unknown): string {
  return value === undefined ? 'it is missing' : `got ${shortJson(value)}`;
}
