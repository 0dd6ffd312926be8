// What every browser test needs: where the console is, a headless Chromium (the system's, not a
// downloaded one), screenshots saved as artifacts, and the page's own errors collected.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

// The console's address, always ending in '/': VG_CONSOLE_URL=http://127.0.0.1:9090/console/
export function consoleUrl(page = '') {
    const base = process.env.VG_CONSOLE_URL;
    if (!base) throw new Error('VG_CONSOLE_URL is not set: point it at a running console, e.g. http://127.0.0.1:9090/console/');
    return new URL(page, base.endsWith('/') ? base : `${base}/`).href;
}

// An address on the console's origin (where the monitor's /api/* lives).
export function originUrl(pathname) {
    return new URL(pathname, consoleUrl()).href;
}

export const kAnswerTimeoutMs = Number(process.env.VG_ANSWER_TIMEOUT_MS || 120000);

export async function launchBrowser() {
    return chromium.launch({
        executablePath: process.env.VG_CHROMIUM || '/usr/bin/chromium',
        headless: true,
    });
}

export function artifactsDir() {
    const dir = process.env.VG_ARTIFACTS_DIR || path.join(here, '..', 'artifacts');
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}

export async function screenshot(page, name) {
    const file = path.join(artifactsDir(), `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
}

// Uncaught exceptions and console errors of the page. A failed fetch the test provoked on purpose is
// logged by Chromium as a console error too, so tests that provoke one filter by text.
export function collectPageErrors(page) {
    const errors = [];
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
    page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    return errors;
}

// The API key the stack under test wants, if any (VG_API_KEY), typed into the try-it page.
export async function enterApiKey(page) {
    if (!process.env.VG_API_KEY) return;
    await page.locator('#key-details summary').click();
    await page.locator('#api-key').fill(process.env.VG_API_KEY);
}
