/**
 * Two kinds of chart as standalone SVG text, for the bench's report: lines over a numeric x axis
 * (log scale when asked) and grouped bars. Written here rather than taken from a charting library:
 * the ones that render SVG outside a browser (Vega, Chart.js with a canvas) bring a canvas or a
 * headless renderer to draw a handful of lines, and the report needs nothing they add.
 */

export interface Series {
  readonly name: string;
  /** [x, y] pairs; a missing measurement is left out, never drawn as zero. */
  readonly points: readonly (readonly [number, number])[];
  /** Dashed: a floor or a baseline rather than a measurement. */
  readonly dashed?: boolean;
}

export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly logX?: boolean;
  readonly series: readonly Series[];
}

export interface BarChart {
  readonly title: string;
  readonly yLabel: string;
  readonly bars: readonly { readonly label: string; readonly value: number; readonly note?: string }[];
}

const WIDTH = 720;
const HEIGHT = 400;
const MARGIN = { left: 70, right: 180, top: 40, bottom: 50 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
/** Bars need no legend: their labels are under them. */
const barPlotWidth = WIDTH - MARGIN.left - 20;
const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round ticks from 0 to at least `max`: 1, 2 or 5 times a power of ten apart. */
function linearTicks(max: number): number[] {
  const target = max > 0 ? max : 1;
  const raw = target / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let tick = 0; tick < target + step; tick += step) ticks.push(tick);
  return ticks;
}

function formatTick(value: number): string {
  return value >= 10_000 ? `${value / 1000}k` : String(Number(value.toPrecision(3)));
}

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${xmlText(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${xmlText(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(ticks: number[], y: (value: number) => number, label: string, width = plotWidth): string[] {
  return [
    ...ticks.map(
      (tick) =>
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + width}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>` +
        `<text x="${MARGIN.left - 6}" y="${y(tick) + 4}" text-anchor="end">${formatTick(tick)}</text>`,
    ),
    `<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${xmlText(label)}</text>`,
  ];
}

export function lineChart(chart: LineChart): string {
  const all = chart.series.flatMap((series) => series.points);
  if (all.length === 0) return frame(chart.title, [`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">not measured</text>`]);
  const xs = [...new Set(all.map(([x]) => x))].sort((a, b) => a - b);
  const toX = (value: number) => (chart.logX ? Math.log10(value) : value);
  const xMin = toX(xs[0] ?? 1);
  const xMax = toX(xs.at(-1) ?? 1);
  const x = (value: number) => MARGIN.left + (xMax === xMin ? plotWidth / 2 : ((toX(value) - xMin) / (xMax - xMin)) * plotWidth);
  const ticks = linearTicks(Math.max(...all.map(([, value]) => value)));
  const yMax = ticks.at(-1) ?? 1;
  const y = (value: number) => MARGIN.top + plotHeight - (value / yMax) * plotHeight;
  const body = [
    ...yAxis(ticks, y, chart.yLabel),
    ...xs.map((value) => `<text x="${x(value)}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">${formatTick(value)}</text>`),
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 10}" text-anchor="middle">${xmlText(chart.xLabel)}</text>`,
  ];
  chart.series.forEach((series, index) => {
    const colour = COLOURS[index % COLOURS.length];
    const points = [...series.points].sort(([a], [b]) => a - b);
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
    body.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ')}"/>`,
      ...points.map(([px, py]) => `<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${colour}"/>`),
      `<line x1="${WIDTH - MARGIN.right + 12}" x2="${WIDTH - MARGIN.right + 36}" y1="${MARGIN.top + 10 + index * 20}" y2="${MARGIN.top + 10 + index * 20}" stroke="${colour}" stroke-width="2"${dash}/>`,
      `<text x="${WIDTH - MARGIN.right + 42}" y="${MARGIN.top + 14 + index * 20}">${xmlText(series.name)}</text>`,
    );
  });
  return frame(chart.title, body);
}

export function barChart(chart: BarChart): string {
  if (chart.bars.length === 0)
    return frame(chart.title, [`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">not measured</text>`]);
  const ticks = linearTicks(Math.max(...chart.bars.map((bar) => bar.value)));
  const yMax = ticks.at(-1) ?? 1;
  const y = (value: number) => MARGIN.top + plotHeight - (value / yMax) * plotHeight;
  const slot = barPlotWidth / chart.bars.length;
  const body = yAxis(ticks, y, chart.yLabel, barPlotWidth);
  chart.bars.forEach((bar, index) => {
    const left = MARGIN.left + index * slot + slot * 0.15;
    const colour = COLOURS[index % COLOURS.length];
    body.push(
      `<rect x="${left.toFixed(1)}" y="${y(bar.value).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(MARGIN.top + plotHeight - y(bar.value)).toFixed(1)}" fill="${colour}"/>`,
      `<text x="${(left + slot * 0.35).toFixed(1)}" y="${(y(bar.value) - 5).toFixed(1)}" text-anchor="middle">${xmlText(bar.note ?? formatTick(bar.value))}</text>`,
      `<text x="${(left + slot * 0.35).toFixed(1)}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">${xmlText(bar.label)}</text>`,
    );
  });
  return frame(chart.title, body);
}
