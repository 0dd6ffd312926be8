// Where a request's time went, as one stacked bar plus a legend that says the same in words.

import { el, fill } from './dom.js';
import { format, isNumber } from './format.js';

// The model's own breakdown, in the order a request goes through it (names from the model service's `timings`).
const kServerParts = [
    { key: 'image_decode_ms', label: 'image decode' },
    { key: 'queue_ms', label: 'queue' },
    { key: ['image_encode_ms', 'encode_ms'], label: 'encode' },
    { key: 'prefill_ms', label: 'prefill' },
    { key: 'decode_ms', label: 'decode' },
];

// [{label, ms}] from a server `timings` object; parts it does not report are left out.
export function serverSegments(timings) {
    const segments = [];
    for (const part of kServerParts) {
        const keys = Array.isArray(part.key) ? part.key : [part.key];
        const key = keys.find((k) => isNumber(timings[k]));
        if (key) segments.push({ label: part.label, ms: timings[key] });
    }
    return segments;
}

// Renders the bar into `container`. source: 'server' or 'browser' (the breakdown measured by the page);
// note: one sentence saying what was measured.
export function renderLatency(container, { segments, totalMs, source, note }) {
    const sum = segments.reduce((total, s) => total + Math.max(0, s.ms), 0);
    container.dataset.source = source;
    fill(
        container,
        el('h3', {}, 'Latency', isNumber(totalMs) ? ` · ${format(totalMs, 'ms')} in all` : ''),
        el(
            'div',
            { class: 'latency-bar', 'aria-hidden': 'true' },
            segments.map((s, i) => el('span', { class: `segment segment-${i}`, style: `flex-grow:${sum > 0 ? Math.max(0, s.ms) / sum : 1}` })),
        ),
        el(
            'ul',
            { class: 'latency-legend' },
            segments.map((s, i) => el('li', { 'data-segment': s.label }, el('span', { class: `swatch segment-${i}`, 'aria-hidden': 'true' }), `${s.label} `, el('strong', {}, format(s.ms, 'ms')))),
        ),
        note ? el('p', { class: 'muted small' }, note) : null,
    );
    container.hidden = false;
}
