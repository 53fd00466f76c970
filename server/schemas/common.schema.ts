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
 * Text a person typed: well-formed Unicode (no lone surrogate halves, which no database column
 * can hold) and no NUL characters (which Postgres refuses).
 */
FormatRegistry.Set('text', (value) => !value.includes('\u0000') && value.isWellFormed());

export const Name = Type.String({ minLength: 1, maxLength: 200, format: 'text' });
export const Text = Type.String({ maxLength: 500, format: 'text' });
export const Reason = Type.String({ minLength: 1, maxLength: 500, format: 'text' });
