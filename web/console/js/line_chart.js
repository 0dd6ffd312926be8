// A small time-series line chart on <canvas>: a few lines, a zero-based y axis with three gridlines,
// gaps where a value is missing. Sized by CSS; call draw() again after a resize.

import { isNumber } from './format.js';

// 0.37 → 0.5, 7 → 10, 130 → 200: a round top for the y axis.
export function niceCeiling(value) {
    if (!(value > 0)) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 2.5, 5, 10]) {
        if (value <= step * power) return step * power;
    }
    return 10 * power;
}

// lines: [{color, points: [[unix_ms, value|null], …]}]; fromMs/toMs: the time window;
// formatValue: number → axis label; fixedMax: a y-axis top that does not move (1 for ratios).
export function drawLineChart(canvas, { lines, fromMs, toMs, formatValue, fixedMax = null }) {
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (!width || !height) return;
    const scale = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    ctx.clearRect(0, 0, width, height);

    const style = getComputedStyle(canvas);
    const gridColor = style.getPropertyValue('--chart-grid').trim() || '#d0d4da';
    const textColor = style.getPropertyValue('--chart-text').trim() || '#4a5260';
    ctx.font = `11px ${style.fontFamily}`;

    let highest = 0;
    let anyPoint = false;
    for (const line of lines) {
        for (const [, value] of line.points) {
            if (!isNumber(value)) continue;
            anyPoint = true;
            highest = Math.max(highest, value);
        }
    }
    const top = fixedMax ?? niceCeiling(highest);
    const labels = [top, top / 2, 0].map(formatValue);
    const left = Math.ceil(Math.max(...labels.map((label) => ctx.measureText(label).width))) + 8;
    const plot = { x: left, y: 6, w: Math.max(10, width - left - 6), h: Math.max(10, height - 6 - 18) };

    ctx.strokeStyle = gridColor;
    ctx.fillStyle = textColor;
    ctx.lineWidth = 1;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    labels.forEach((label, i) => {
        const y = Math.round(plot.y + (plot.h * i) / 2) + 0.5;
        ctx.beginPath();
        ctx.moveTo(plot.x, y);
        ctx.lineTo(plot.x + plot.w, y);
        ctx.stroke();
        ctx.fillText(label, plot.x - 4, y);
    });
    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'left';
    ctx.fillText(`-${Math.round((toMs - fromMs) / 60000)} min`, plot.x, height - 3);
    ctx.textAlign = 'right';
    ctx.fillText('now', plot.x + plot.w, height - 3);

    if (!anyPoint) {
        ctx.textAlign = 'center';
        ctx.fillText('no data yet', plot.x + plot.w / 2, plot.y + plot.h / 2);
        return;
    }
    const span = Math.max(1, toMs - fromMs);
    const xOf = (t) => plot.x + ((t - fromMs) / span) * plot.w;
    const yOf = (v) => plot.y + plot.h - (Math.min(v, top) / top) * plot.h;
    ctx.save();
    ctx.beginPath();
    ctx.rect(plot.x, plot.y - 2, plot.w, plot.h + 4);
    ctx.clip();
    ctx.lineWidth = 1.75;
    ctx.lineJoin = 'round';
    for (const line of lines) {
        ctx.strokeStyle = line.color;
        ctx.beginPath();
        let drawing = false;
        let last = null;
        for (const [t, value] of line.points) {
            if (!isNumber(value)) {
                drawing = false;
                continue;
            }
            if (drawing) ctx.lineTo(xOf(t), yOf(value));
            else ctx.moveTo(xOf(t), yOf(value));
            drawing = true;
            last = [t, value];
        }
        ctx.stroke();
        // A dot on the newest value: it shows where "now" is, and a line of one point at all.
        if (last) {
            ctx.fillStyle = line.color;
            ctx.beginPath();
            ctx.arc(xOf(last[0]), yOf(last[1]), 2.5, 0, 2 * Math.PI);
            ctx.fill();
        }
    }
    ctx.restore();
}
