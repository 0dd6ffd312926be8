// The dashboard's list of instances: one row each, with role, up/down, readiness, breaker and key figures.
// States are written out in words (not colour alone); on a phone each row becomes a labelled card (style.css).

import { el, fill } from './dom.js';
import { ago, format } from './format.js';

const kColumns = [
    { label: 'Instance', cell: (i, colors) => [el('span', { class: 'swatch', style: `background:${colors.colorFor(i.instance)}`, 'aria-hidden': 'true' }), el('span', { class: 'instance-name' }, i.instance)] },
    { label: 'Role', cell: (i) => i.role || '—' },
    { label: 'Health', cell: (i) => badge(i.up ? 'up' : 'down', i.up ? 'ok' : 'bad') },
    { label: 'Ready', cell: (i) => (!i.up ? badge('—', 'muted') : badge(i.ready ? 'ready' : 'not ready', i.ready ? 'ok' : 'warn')) },
    { label: 'Breaker', cell: (i) => breaker(i.breaker) },
    { label: 'Req/s', cell: (i) => format(figure(i, 'requests_per_second'), 'number'), numeric: true },
    { label: 'Errors', cell: (i) => format(figure(i, 'error_ratio'), 'ratio'), numeric: true },
    { label: 'p95', cell: (i) => format(figure(i, 'p95_ms'), 'ms'), numeric: true },
    { label: 'Queue', cell: (i) => format(figure(i, 'queue_depth'), 'count'), numeric: true },
    { label: 'Slots', cell: (i) => format(figure(i, 'active_slots'), 'count'), numeric: true },
    { label: 'Last scrape', cell: (i, colors, nowMs) => [ago(i.last_scrape, nowMs), i.error ? el('span', { class: 'scrape-error' }, i.error) : null] },
];

// Renders `instances` (from /api/cluster) into `table`, which holds a <thead> and <tbody>.
// nowMs: the monitor's clock (generated_at), so "ago" does not depend on this device's clock.
export function renderInstanceTable(table, instances, colors, nowMs) {
    const head = table.tHead || table.createTHead();
    if (!head.rows.length) {
        head.append(el('tr', {}, kColumns.map((c) => el('th', { scope: 'col', class: c.numeric ? 'numeric' : null }, c.label))));
    }
    const body = table.tBodies[0] || table.createTBody();
    const sorted = [...instances].sort((a, b) => roleOrder(a.role) - roleOrder(b.role) || String(a.instance).localeCompare(String(b.instance)));
    if (!sorted.length) {
        fill(body, el('tr', {}, el('td', { colspan: kColumns.length, class: 'empty' }, 'The monitor knows no instances yet.')));
        return;
    }
    fill(
        body,
        sorted.map((i) =>
            el(
                'tr',
                { 'data-instance': i.instance, 'data-role': i.role, 'data-up': String(!!i.up), 'data-ready': String(!!i.ready), class: i.up ? null : 'is-down' },
                kColumns.map((c) => el('td', { 'data-label': c.label, class: c.numeric ? 'numeric' : null }, c.cell(i, colors, nowMs))),
            ),
        ),
    );
}

function figure(instance, name) {
    return instance.figures ? instance.figures[name] : null;
}

function badge(text, tone) {
    return el('span', { class: `badge badge-${tone}` }, text);
}

function breaker(state) {
    if (!state) return badge('—', 'muted');
    const tone = state === 'closed' ? 'ok' : state === 'open' ? 'bad' : 'warn';
    return badge(state.replace('_', '-'), tone);
}

// Entry point first, then the services behind it, like the architecture picture.
function roleOrder(role) {
    const order = ['gateway', 'business', 'model', 'monitor'];
    const index = order.indexOf(role);
    return index < 0 ? order.length : index;
}
