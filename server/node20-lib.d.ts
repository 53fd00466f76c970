/**
 * tsconfig's lib is ES2023 because the server runs on Node 20, which lacks most of ES2024
 * (Map.groupBy, Object.groupBy and Promise.withResolvers arrive in Node 21/22: one slipped in once
 * and failed only at run time). These are the ES2024 pieces Node 20 (V8 11.3) does have.
 */
interface String {
  /** true when the string holds no lone surrogate */
  isWellFormed(): boolean;
  /** the string with each lone surrogate replaced by U+FFFD */
  toWellFormed(): string;
}
