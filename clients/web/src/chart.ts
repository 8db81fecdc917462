// The risk score's history as an SVG line chart, with the oracle's two thresholds.

const SVG = 'http://www.w3.org/2000/svg';

export interface Point {
  block: number;
  score: number;
}

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Draws `points` (oldest first) into `svg` (viewBox 640 × 180). */
export function drawRiskChart(svg: SVGSVGElement, points: Point[], thresholds = { elevated: 6000, emergency: 9000 }): void {
  const [w, h, left, right, top, bottom] = [640, 180, 44, 8, 8, 22];
  const y = (score: number) => top + (h - top - bottom) * (1 - score / 10_000);
  svg.replaceChildren();
  svg.setAttribute('data-points', String(points.length));
  for (const [label, score, colour] of [
    ['Emergency', thresholds.emergency, '#b3261e'],
    ['Elevated', thresholds.elevated, '#b26b00'],
  ] as const) {
    svg.append(el('line', { x1: left, x2: w - right, y1: y(score), y2: y(score), stroke: colour, 'stroke-dasharray': '4 4', 'stroke-width': 1 }));
    svg.append(el('text', { x: w - right - 4, y: y(score) - 3, 'text-anchor': 'end', 'font-size': 10, fill: colour }, `${label} ≥ ${score}`));
  }
  for (const score of [0, 5000, 10000]) {
    svg.append(el('text', { x: left - 6, y: y(score) + 3, 'text-anchor': 'end', 'font-size': 10, fill: '#5f6b85' }, String(score)));
  }
  svg.append(el('line', { x1: left, x2: w - right, y1: y(0), y2: y(0), stroke: '#c4cad6' }));
  if (points.length === 0) return;
  const first = points[0]!.block;
  const last = points[points.length - 1]!.block;
  const span = Math.max(1, last - first);
  const x = (block: number) => left + ((w - left - right) * (block - first)) / span;
  const path = points.map((p) => `${x(p.block).toFixed(1)},${y(p.score).toFixed(1)}`).join(' ');
  svg.append(el('polyline', { points: path, fill: 'none', stroke: '#2d5bd7', 'stroke-width': 2 }));
  svg.append(el('text', { x: left, y: h - 6, 'font-size': 10, fill: '#5f6b85' }, `#${first}`));
  svg.append(el('text', { x: w - right, y: h - 6, 'font-size': 10, fill: '#5f6b85', 'text-anchor': 'end' }, `#${last}`));
}
