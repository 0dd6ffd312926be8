// The console on a phone-sized screen: nothing wider than the screen, on both pages, before and after
// content arrives.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { consoleUrl, enterApiKey, kAnswerTimeoutMs, launchBrowser, screenshot } from './support/browser.js';
import { makePng } from './support/png.js';

const kPhone = { viewport: { width: 360, height: 780 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

let browser;
let context;
before(async () => {
    browser = await launchBrowser();
    context = await browser.newContext(kPhone);
});
after(async () => {
    await browser?.close();
});

// How far the page reaches past the right edge of the screen, in CSS pixels (0 when it fits).
function overflow(page) {
    return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

test('dashboard fits a phone screen', async () => {
    const page = await context.newPage();
    await page.goto(consoleUrl(''));
    await page.locator('#instances tbody tr[data-instance]').first().waitFor({ timeout: 15000 });
    // A chart's text summary names the newest values once the chart has been drawn with data.
    await page.locator('#charts canvas[aria-label*="newest"]').first().waitFor({ timeout: 15000 });
    assert.equal(await overflow(page), 0);
    await screenshot(page, 'phone-dashboard');
    await page.close();
});

test('try-it page fits a phone screen, with an answer on it', { timeout: kAnswerTimeoutMs + 30000 }, async () => {
    const page = await context.newPage();
    await page.goto(consoleUrl('try.html'));
    await enterApiKey(page);
    assert.equal(await overflow(page), 0);
    await page.locator('#image-input').setInputFiles({ name: 'square.png', mimeType: 'image/png', buffer: makePng(640, 480) });
    await page.locator('#submit').click();
    await page.locator('#answer[data-state="done"]').waitFor({ timeout: kAnswerTimeoutMs });
    await page.locator('#latency').waitFor();
    assert.equal(await overflow(page), 0);
    await screenshot(page, 'phone-try-it');
    await page.close();
});
