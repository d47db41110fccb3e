import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { charts } from '../../../bench/charts';
import type { Results } from '../../../bench/report';
import { barChart, lineChart } from '../../../bench/svg-chart';

const committed = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../../bench/results.json'), 'utf8')) as Results;

describe('bench charts', () => {
  it('draw the committed run: fan-out cold, warm and its wave floor, the end-to-end bars with their figures, and the environments started per request', () => {
    const files = charts(committed);
    expect(Object.keys(files)).toEqual(['fan-out.svg', 'end-to-end.svg', 'environments.svg']);
    const fanOut = files['fan-out.svg'] ?? '';
    expect(fanOut.match(/<polyline /g)).toHaveLength(3);
    expect(fanOut).toContain('stroke-dasharray');
    const coordinator = committed.fanOut.filter((row) => row.variant === 'coordinator');
    // One point per size on each series.
    expect(fanOut.match(/<circle /g)).toHaveLength(3 * coordinator.length);
    const endToEnd = files['end-to-end.svg'] ?? '';
    const tutorial = committed.endToEnd?.tutorial;
    expect(tutorial !== undefined && 'medianMs' in tutorial).toBe(true);
    if (tutorial !== undefined && 'medianMs' in tutorial) expect(endToEnd).toContain(`>${Math.round(tutorial.medianMs)} ms<`);
  });

  it('add the environments chart when the run counted INIT_START per request', () => {
    const stack = committed.endToEnd?.stack;
    if (committed.endToEnd === undefined || stack === undefined || !('squareFirstMs' in stack)) throw new Error('fixture has no stack run');
    const results = { ...committed, endToEnd: { ...committed.endToEnd, stack: { ...stack, initsPerRequest: [101, 0, 3] } } };
    const svg = charts(results)['environments.svg'] ?? '';
    expect(svg.match(/<rect x=/g)).toHaveLength(3);
    expect(svg).toContain('>101<');
    expect(svg).toContain('>repeat 2<');
  });

  it('scale each point inside the plot and escape text', () => {
    const svg = lineChart({
      title: 'a < b & c',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: 's',
          points: [
            [1, 0],
            [2, 50],
          ],
        },
      ],
    });
    expect(svg).toContain('<title>a &lt; b &amp; c</title>');
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((match) => Number(match[1]));
    // y = 0 sits on the axis (the bottom of the plot), the highest value below the title.
    expect(ys[0]).toBe(350);
    expect(ys[1]).toBeGreaterThanOrEqual(40);
    expect(ys[1]).toBeLessThan(350);
  });

  it('say "not measured" rather than draw an empty frame', () => {
    expect(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [] })).toContain('not measured');
    expect(barChart({ title: 't', yLabel: 'y', bars: [] })).toContain('not measured');
  });
});
