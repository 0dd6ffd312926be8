// The dashboard's live charts: one small chart per figure, a line per instance, and a shared legend.
// Each chart's canvas carries a text summary (aria-label) of the newest values for screen readers.

import { el, fill } from './dom.js';
import { format, isNumber } from './format.js';
import { drawLineChart } from './line_chart.js';

// The figures of /api/cluster worth a chart, in reading order.
export const kCharts = [
    { name: 'requests_per_second', title: 'Requests per second', kind: 'rate' },
    { name: 'error_ratio', title: 'Error rate', kind: 'ratio' },
    { name: 'p50_ms', title: 'Latency p50', kind: 'ms' },
    { name: 'p95_ms', title: 'Latency p95', kind: 'ms' },
    { name: 'p99_ms', title: 'Latency p99', kind: 'ms' },
    { name: 'queue_depth', title: 'Queue depth', kind: 'count' },
    { name: 'active_slots', title: 'Active slots', kind: 'count' },
    { name: 'tokens_per_second', title: 'Tokens per second', kind: 'rate' },
    { name: 'image_cache_hit_ratio', title: 'Image-cache hit ratio', kind: 'ratio', fixedMax: 1 },
];

export class ChartsPanel {
    // grid: the element the charts go in; legend: the element listing instances; colors: InstanceColors.
    constructor(grid, legend, colors) {
        this.legend = legend;
        this.colors = colors;
        this.data = new Map();  // chart name → {series, fromMs, toMs}
        this.charts = kCharts.map((chart) => {
            const canvas = el('canvas', { role: 'img', 'aria-label': `${chart.title}: no data yet` });
            const figure = el('figure', { class: 'chart', 'data-chart': chart.name }, el('figcaption', {}, chart.title), canvas);
            grid.append(figure);
            return { ...chart, canvas };
        });
        // Canvas pixels follow the element's size: redraw when the layout changes (rotation, resize).
        new ResizeObserver(() => this.redraw()).observe(grid);
    }

    // name → /api/series answer (or null when that fetch failed; the chart keeps its last data).
    update(answers, nowMs) {
        const inLegend = new Set();
        for (const chart of this.charts) {
            const answer = answers.get(chart.name);
            if (!answer) continue;
            const rangeMs = (answer.range_seconds || 900) * 1000;
            this.data.set(chart.name, { series: answer.series || [], fromMs: nowMs - rangeMs, toMs: nowMs });
        }
        for (const { series } of this.data.values()) for (const s of series) inLegend.add(s.instance);
        this.colors.assign(inLegend);
        fill(
            this.legend,
            [...inLegend].sort().map((instance) =>
                el('li', {}, el('span', { class: 'swatch', style: `background:${this.colors.colorFor(instance)}`, 'aria-hidden': 'true' }), instance),
            ),
        );
        this.redraw();
    }

    redraw() {
        for (const chart of this.charts) {
            const data = this.data.get(chart.name);
            if (!data) continue;
            const lines = data.series.map((s) => ({ color: this.colors.colorFor(s.instance), points: s.points || [] }));
            drawLineChart(chart.canvas, {
                lines,
                fromMs: data.fromMs,
                toMs: data.toMs,
                formatValue: (v) => format(v, chart.kind),
                fixedMax: chart.fixedMax ?? null,
            });
            chart.canvas.setAttribute('aria-label', summary(chart, data.series));
        }
    }
}

// "Requests per second, newest: 10.0.0.5:8081 12/s, 10.0.0.6:8081 9.5/s"
function summary(chart, series) {
    const newest = series
        .map((s) => {
            const points = (s.points || []).filter(([, v]) => isNumber(v));
            return points.length ? `${s.instance} ${format(points[points.length - 1][1], chart.kind)}` : null;
        })
        .filter(Boolean);
    return `${chart.title}, newest: ${newest.length ? newest.join(', ') : 'no data yet'}`;
}
