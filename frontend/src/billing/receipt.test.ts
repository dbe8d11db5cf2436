import { describe, expect, it } from 'vitest';
import { pageRule } from './receiptLayout';

describe('receipt print layout', () => {
  it('asks the printer for an 80 mm roll or an A4 sheet', () => {
    expect(pageRule('80mm')).toContain('size: 80mm auto');
    expect(pageRule('a4')).toContain('size: A4');
    expect(pageRule('80mm')).toMatch(/^@media print/);
  });
});
