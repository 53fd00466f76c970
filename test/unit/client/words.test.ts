import { describe, expect, it } from 'vitest';
import { words } from '../../../client/src/lib/words.ts';

describe('words a title may wrap between', () => {
  it('keeps the demo title’s words whole, with each quotation mark on the side of its word', () => {
    const parts = words('望城区2023年度街镇和区直单位基层党建“书记工程”决赛');
    expect(parts.join('')).toBe('望城区2023年度街镇和区直单位基层党建“书记工程”决赛');
    // a line may not end with “ nor start with ” (避头尾)
    expect(parts.some((w) => w.endsWith('“'))).toBe(false);
    expect(parts.some((w) => w.startsWith('”'))).toBe(false);
    expect(parts.find((w) => w.includes('“'))).toMatch(/^“书记/);
  });

  it('keeps a percent sign with its number and a closing bracket with its word', () => {
    expect(words('大众评审 × 10%')).toContain('10%');
    const parts = words('主评委（城区）');
    expect(parts.some((w) => w.startsWith('）') || w.endsWith('（'))).toBe(false);
    expect(words('（一）').join('')).toBe('（一）');
  });
});
