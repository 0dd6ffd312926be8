// The cluster dashboard against a running monitor: it lists what /api/cluster reports, refreshes
// without reloading, follows changes in the list, and says so when the monitor cannot be reached.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { collectPageErrors, consoleUrl, launchBrowser, originUrl, screenshot } from './support/browser.js';

let browser;
before(async () => {
    browser = await launchBrowser();
});
after(async () => {
    await browser?.close();
});

// The rows the page shows, as the test reads them back from the DOM.
function rowsOf(page) {
    return page.$$eval('#instances tbody tr[data-instance]', (rows) =>
        rows.map((row) => ({ instance: row.dataset.instance, role: row.dataset.role, up: row.dataset.up === 'true', ready: row.dataset.ready === 'true' })),
    );
}

async function openDashboard() {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = collectPageErrors(page);
    await page.goto(consoleUrl(''));
    return { page, errors };
}

test('lists every instance /api/cluster reports, with its role and state', async () => {
    const { page, errors } = await openDashboard();
    const cluster = await (await page.request.get(originUrl('/api/cluster'))).json();
    assert.ok(cluster.instances.length > 0, 'the stack under test should have at least one instance');
    const expected = cluster.instances.map((i) => i.instance).sort();
    await page.waitForFunction(
        (names) => {
            const shown = [...document.querySelectorAll('#instances tbody tr[data-instance]')].map((row) => row.dataset.instance).sort();
            return JSON.stringify(shown) === JSON.stringify(names);
        },
        expected,
        { timeout: 15000 },
    );
    // Roles never change; up/ready can between two reads, so they are compared with a fresh answer.
    const rows = await rowsOf(page);
    for (const instance of cluster.instances) {
        const row = rows.find((r) => r.instance === instance.instance);
        assert.equal(row.role, instance.role, `role of ${instance.instance}`);
    }
    const summary = await page.locator('#cluster-summary').textContent();
    assert.match(summary, new RegExp(`^${cluster.instances.length} instances?`));
    await page.locator('#charts canvas').first().waitFor();
    assert.equal(await page.locator('#charts figure').count(), 9, 'one chart per figure');
    await screenshot(page, 'dashboard');
    assert.deepEqual(errors, []);
    await page.close();
});

test('refreshes in place: a newer /api/cluster answer shows without a reload', async () => {
    const { page, errors } = await openDashboard();
    const first = page.locator('#updated-at[data-generated-at]:not([data-generated-at=""])');
    await first.waitFor();
    const stamp = await first.getAttribute('data-generated-at');
    await page.evaluate(() => {
        window.__loadedOnce = true;  // survives only if the page is not reloaded
    });
    await page.waitForFunction((old) => document.getElementById('updated-at').dataset.generatedAt !== old, stamp, { timeout: 20000 });
    assert.equal(await page.evaluate(() => window.__loadedOnce), true, 'the page was not reloaded');
    assert.deepEqual(errors, []);
    await page.close();
});

test('follows changes: an instance going down and a new one appearing', async () => {
    const { page, errors } = await openDashboard();
    await page.locator('#instances tbody tr[data-instance]').first().waitFor();
    // The monitor's real answer, changed on its way to the page: the first instance is reported down
    // and one more instance appears.
    const extra = '203.0.113.7:9999';
    let victim = null;
    await page.route('**/api/cluster', async (route) => {
        const response = await route.fetch();
        const body = await response.json();
        victim = body.instances[0].instance;
        Object.assign(body.instances[0], { up: false, ready: false, error: 'connection refused (changed by the test)' });
        body.instances.push({ instance: extra, role: 'model', up: true, ready: false, last_scrape: body.generated_at, error: null, breaker: 'half_open', figures: {} });
        await route.fulfill({ response, json: body });
    });
    await page.locator(`#instances tr[data-instance="${extra}"]`).waitFor({ timeout: 15000 });
    await page.waitForFunction((name) => {
        const row = [...document.querySelectorAll('#instances tr[data-instance]')].find((r) => r.dataset.instance === name);
        return row && row.dataset.up === 'false' && row.textContent.includes('down');
    }, victim);
    assert.match(await page.locator(`#instances tr[data-instance="${extra}"]`).textContent(), /half-open/);
    await screenshot(page, 'dashboard-changed');
    // The monitor's own answer again: the extra instance goes away.
    await page.unroute('**/api/cluster');
    await page.locator(`#instances tr[data-instance="${extra}"]`).waitFor({ state: 'detached', timeout: 15000 });
    assert.deepEqual(errors, []);
    await page.close();
});

test('says so when the monitor cannot be reached, and recovers', async () => {
    const { page, errors } = await openDashboard();
    await page.locator('#instances tbody tr[data-instance]').first().waitFor();
    await page.route('**/api/cluster', (route) => route.abort('connectionrefused'));
    const banner = page.locator('#monitor-banner');
    await banner.waitFor({ state: 'visible', timeout: 15000 });
    assert.match(await banner.textContent(), /monitor cannot be reached/);
    assert.ok((await rowsOf(page)).length > 0, 'the last data stays on screen');
    await screenshot(page, 'dashboard-unreachable');
    await page.unroute('**/api/cluster');
    await banner.waitFor({ state: 'hidden', timeout: 15000 });
    assert.deepEqual(
        errors.filter((e) => !e.includes('ERR_CONNECTION_REFUSED')),
        [],
    );
    await page.close();
});
