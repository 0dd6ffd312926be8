// The cluster dashboard (index.html): polls the monitor's API every few seconds and redraws in place.
// When the monitor cannot be reached it says so in a banner and keeps the last data on screen, marked stale.

import { ApiError, describeError, getJson } from './api.js';
import { renderAlertList } from './alert_list.js';
import { ChartsPanel, kCharts } from './charts_panel.js';
import { clockTime } from './format.js';
import { InstanceColors } from './instance_colors.js';
import { renderInstanceTable } from './instance_table.js';

const kRefreshMs = 5000;
const kRange = '15m';

const colors = new InstanceColors();
const page = {
    banner: document.getElementById('monitor-banner'),
    summary: document.getElementById('cluster-summary'),
    updated: document.getElementById('updated-at'),
    table: document.getElementById('instances'),
    alerts: document.getElementById('alerts'),
    alertsNote: document.getElementById('alerts-note'),
    main: document.querySelector('main'),
};
const charts = new ChartsPanel(document.getElementById('charts'), document.getElementById('chart-legend'), colors);
let lastGood = null;  // when /api/cluster last answered
let timer = null;
let running = false;

async function refresh() {
    if (running) return;  // the refresh under way schedules the next one
    running = true;
    clearTimeout(timer);
    try {
        const [cluster, alerts] = await Promise.allSettled([getJson('/api/cluster'), getJson('/api/alerts')]);
        if (cluster.status === 'rejected') {
            showUnreachable(cluster.reason);
            return;
        }
        showCluster(cluster.value);
        if (alerts.status === 'fulfilled') {
            renderAlertList(page.alerts, Array.isArray(alerts.value.alerts) ? alerts.value.alerts : []);
            page.alertsNote.hidden = true;
        } else {
            page.alertsNote.textContent = `Alerts could not be read: ${describeError(alerts.reason)}`;
            page.alertsNote.hidden = false;
        }
        await refreshCharts(Date.parse(cluster.value.generated_at) || Date.now());
    } catch (error) {
        // A bug of ours must not stop the refresh loop; it shows like any other failure.
        showUnreachable(error instanceof ApiError ? error : new ApiError({ code: 'console_error', message: String(error) }));
    } finally {
        running = false;
        if (!document.hidden) timer = setTimeout(refresh, kRefreshMs);
    }
}

function showCluster(cluster) {
    const instances = Array.isArray(cluster.instances) ? cluster.instances : [];
    colors.assign(instances.map((i) => i.instance));
    renderInstanceTable(page.table, instances, colors, Date.parse(cluster.generated_at) || Date.now());
    const up = instances.filter((i) => i.up).length;
    const firing = Number(cluster.alerts_firing) || 0;
    page.summary.textContent = `${instances.length} instance${instances.length === 1 ? '' : 's'} · ${up} up · ${firing} alert${firing === 1 ? '' : 's'} firing`;
    page.summary.dataset.firing = String(firing);
    lastGood = new Date();
    page.updated.dateTime = cluster.generated_at || lastGood.toISOString();
    page.updated.dataset.generatedAt = cluster.generated_at || '';
    page.updated.textContent = `updated ${clockTime(lastGood)}`;
    page.banner.hidden = true;
    page.main.classList.remove('is-stale');
}

function showUnreachable(error) {
    const since = lastGood ? ` Showing data from ${clockTime(lastGood)}.` : '';
    page.banner.textContent = `The monitor cannot be reached (${describeError(error)}).${since} Retrying every ${kRefreshMs / 1000} s.`;
    page.banner.hidden = false;
    page.main.classList.add('is-stale');
}

async function refreshCharts(nowMs) {
    const answers = await Promise.all(
        kCharts.map((chart) =>
            getJson(`/api/series?name=${encodeURIComponent(chart.name)}&range=${kRange}`).then(
                (answer) => [chart.name, answer],
                () => [chart.name, null],
            ),
        ),
    );
    charts.update(new Map(answers), nowMs);
}

// A hidden tab polls nothing; coming back refreshes at once.
document.addEventListener('visibilitychange', () => {
    if (document.hidden) clearTimeout(timer);
    else refresh();
});

refresh();
