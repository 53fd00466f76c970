/**
 * What a key may be (a criterion, panel, judge or presenter key, a contest id), with no imports:
 * the server's schemas build on it (common.schema.ts) and the admin editor imports it as it is,
 * so both refuse the same keys with the same words.
 */

/**
 * Names JavaScript objects already have: as keys of a plain object they would read an inherited
 * value (`items.constructor`) or set the prototype (`__proto__`). Refused as keys everywhere.
 */
export const RESERVED: readonly string[] = [
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

/** the characters a key is made of, and how many: letters, digits, - and _, 1 to 64 */
export const KEY_CHARS = '[A-Za-z0-9_-]{1,64}';

/** a whole key: the characters above, and not a reserved name */
export const KEY_PATTERN = `^(?!(?:${RESERVED.join('|')})$)${KEY_CHARS}$`;
