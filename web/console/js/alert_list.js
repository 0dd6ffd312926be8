// The dashboard's alerts: firing first, then pending; resolved ones are left out (they are history).

import { el, fill } from './dom.js';
import { ago, format, isNumber } from './format.js';

export function renderAlertList(list, alerts) {
    const active = alerts.filter((a) => a.state === 'firing' || a.state === 'pending');
    active.sort((a, b) => (a.state === b.state ? String(a.name).localeCompare(String(b.name)) : a.state === 'firing' ? -1 : 1));
    if (!active.length) {
        fill(list, el('li', { class: 'empty' }, 'No alerts firing.'));
        return;
    }
    fill(
        list,
        active.map((a) => {
            const labels = Object.entries(a.labels || {}).filter(([name]) => name !== 'alertname' && name !== 'severity');
            const annotations = a.annotations || {};
            const text = annotations.summary || annotations.description || '';
            return el(
                'li',
                { class: `alert alert-${a.state}`, 'data-alert': a.name, 'data-state': a.state },
                el('div', { class: 'alert-head' },
                    el('span', { class: `badge ${a.state === 'firing' ? 'badge-bad' : 'badge-warn'}` }, a.state),
                    a.severity ? el('span', { class: 'badge badge-muted' }, a.severity) : null,
                    el('strong', {}, a.name),
                ),
                text ? el('p', {}, text) : null,
                el('p', { class: 'alert-meta' },
                    labels.map(([name, value]) => `${name}=${value}`).join(' · '),
                    a.active_since ? ` · since ${ago(a.active_since)}` : '',
                    isNumber(a.value) ? ` · value ${format(a.value, 'number')}` : '',
                ),
            );
        }),
    );
}
