import { FormatRegistry, Type } from '@sinclair/typebox';
import { KEY_PATTERN } from './key-pattern.ts';

/**
 * The building blocks every schema uses (contest files, HTTP bodies, socket payloads), defined
 * once so a key or a piece of text means the same everywhere.
 */

/** the key rule itself is in key-pattern.ts, which has no imports so the admin editor can share it */
export { KEY_PATTERN };

/** a short identifier: letters, digits, - and _, unique within its list */
export const Key = Type.String({ pattern: KEY_PATTERN, description: 'letters, digits, - and _ (not a reserved JavaScript name)' });

/**
 * What is wrong with text a person typed, or null: it must be well-formed Unicode (no lone
 * surrogate halves, which no database column can hold), without NUL characters (which Postgres
 * refuses) and not start with a byte-order mark U+FEFF (the embedded database's driver drops a
 * leading one when it reads the text back, so it would not come back as it was sent).
 */
export function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (!value.isWellFormed()) return 'contains half of a surrogate pair (not well-formed Unicode)';
  if (value.startsWith('\uFEFF')) return 'starts with an invisible byte-order mark (U+FEFF); remove it';
  return null;
}

FormatRegistry.Set('text', (value) => textProblem(value) === null);

export const Name = Type.String({ minLength: 1, maxLength: 200, format: 'text' });
export const Text = Type.String({ maxLength: 500, format: 'text' });
export const Reason = Type.String({ minLength: 1, maxLength: 500, format: 'text' });
