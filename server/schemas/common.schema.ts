import { FormatRegistry, Type } from '@sinclair/typebox';

/**
 * The building blocks every schema uses (contest files, HTTP bodies, socket payloads), defined
 * once so a key or a piece of text means the same everywhere.
 */

/**
 * Names JavaScript objects already have: as keys of a plain object they would read an inherited
 * value (`items.constructor`) or set the prototype (`__proto__`). Refused as keys everywhere.
 */
const RESERVED = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'toLocaleString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
];

export const KEY_PATTERN = `^(?!(?:${RESERVED.join('|')})$)[A-Za-z0-9_-]{1,64}$`;

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
