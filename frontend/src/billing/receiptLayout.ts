// The receipt's two paper layouts and the print rule each asks the browser for.
export type ReceiptLayout = '80mm' | 'a4';

/** pageRule is the print CSS @page rule of a layout. */
export function pageRule(layout: ReceiptLayout): string {
  return layout === '80mm' ? '@media print { @page { size: 80mm auto; margin: 3mm 4mm; } }' : '@media print { @page { size: A4; margin: 15mm; } }';
}
