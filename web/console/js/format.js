// How figures read: one place, so the table, the charts and the try-it page agree.

const kDash = '—';

export function isNumber(value) {
    return typeof value === 'number' && Number.isFinite(value);
}

// format(0.0123, 'ratio') → '1.23 %'; format(1534, 'ms') → '1.53 s'; format(null, …) → '—'
export function format(value, kind) {
    if (!isNumber(value)) return kDash;
    switch (kind) {
        case 'ratio':
            return `${trim(value * 100)} %`;
        case 'ms':
            return value >= 1000 ? `${trim(value / 1000)} s` : `${trim(value)} ms`;
        case 'rate':
            return `${trim(value)}/s`;
        default:
            return trim(value);
    }
}

// Three significant digits at most, no exponent for everyday sizes.
function trim(value) {
    const magnitude = Math.abs(value);
    if (magnitude >= 100 || Number.isInteger(value)) return String(Math.round(value));
    if (magnitude >= 10) return value.toFixed(1).replace(/\.0$/, '');
    return value.toFixed(2).replace(/\.?0+$/, '');
}

// '12 s ago', '3 min ago' for an ISO 8601 time; '—' for none.
export function ago(iso, now = Date.now()) {
    if (!iso) return kDash;
    const then = Date.parse(iso);
    if (Number.isNaN(then)) return kDash;
    const seconds = Math.max(0, Math.round((now - then) / 1000));
    if (seconds < 60) return `${seconds} s ago`;
    if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
    return `${Math.round(seconds / 3600)} h ago`;
}

// '14:03:27' in the reader's time zone.
export function clockTime(date) {
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}
