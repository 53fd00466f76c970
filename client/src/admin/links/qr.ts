import QRCode from 'qrcode';

/**
 * A QR code as SVG markup, made here in the browser (nothing is fetched: the venue may have no
 * internet). Medium error correction survives a crease in a printed card.
 */
const cache = new Map<string, Promise<string>>();

export function qrSvg(text: string): Promise<string> {
  let svg = cache.get(text);
  if (!svg) {
    svg = QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    cache.set(text, svg);
  }
  return svg;
}
