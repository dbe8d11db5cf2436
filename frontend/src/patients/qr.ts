// The QR code of a record number, as SVG path data, from qrcode-generator (bundled, no deps).
import qrcode from 'qrcode-generator';

/** qrPath is the QR code of text as one SVG path (a unit square per dark module) and its size. */
export function qrPath(text: string): { d: string; size: number } {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  let d = '';
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + 4} ${r + 4}h1v1h-1z`;
  return { d, size: n + 8 }; // a quiet zone of 4 modules
}
