// The try-it page against a running stack: an image goes in, the streamed answer and its latency
// breakdown come out; a business task shows its typed result; a server error shows as one.
// What the page should show is taken from the server's own answer, read by the test.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { collectPageErrors, consoleUrl, enterApiKey, kAnswerTimeoutMs, launchBrowser, screenshot } from './support/browser.js';
import { makePng } from './support/png.js';
import { readChatStream } from './support/sse.js';

let browser;
before(async () => {
    browser = await launchBrowser();
});
after(async () => {
    await browser?.close();
});

async function openTryPage(viewport = { width: 1100, height: 1000 }) {
    const page = await browser.newPage({ viewport });
    const errors = collectPageErrors(page);
    await page.goto(consoleUrl('try.html'));
    await enterApiKey(page);
    return { page, errors };
}

async function chooseImage(page, file = { name: 'square.png', mimeType: 'image/png', buffer: makePng() }) {
    await page.locator('#image-input').setInputFiles(file);
    await page.locator('#preview').waitFor();
}

// Submits the form and returns the server's response to the request whose path ends with `path`.
async function submitFor(page, path) {
    const response = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith(path) && r.request().method() === 'POST', { timeout: kAnswerTimeoutMs });
    await page.locator('#submit').click();
    return response;
}

test('free question: the answer streams in and the latency breakdown shows', { timeout: kAnswerTimeoutMs + 30000 }, async () => {
    const { page, errors } = await openTryPage();
    await chooseImage(page);
    assert.equal(await page.locator('#preview-image').isVisible(), true, 'the image is previewed');
    await page.locator('input[name="task"][value="chat"]').check();
    await page.locator('#question').fill('What colour is the square in the middle?');
    const response = await submitFor(page, '/v1/chat/completions');
    if (response.status() !== 200) assert.fail(`chat completions answered ${response.status()}: ${await response.text()}`);
    const sent = JSON.parse(response.request().postData());
    assert.equal(sent.stream, true);
    assert.match(sent.messages[0].content[0].image_url.url, /^data:image\/png;base64,/);

    await page.locator('#answer[data-state="done"]').waitFor({ timeout: kAnswerTimeoutMs });
    // Event streams are UTF-8 by definition; text() would guess a charset from the Content-Type.
    const stream = readChatStream((await response.body()).toString("utf8"));
    assert.ok(stream.content.length > 0, 'the server streamed some text');
    assert.equal(await page.locator('#answer').textContent(), stream.content);

    const latency = page.locator('#latency');
    await latency.waitFor();
    const labels = await latency.locator('li[data-segment]').evaluateAll((items) => items.map((i) => i.dataset.segment));
    if (stream.timings) {
        assert.equal(await latency.getAttribute('data-source'), 'server');
        for (const part of ['queue', 'prefill', 'decode']) assert.ok(labels.includes(part), `the breakdown shows ${part}: ${labels}`);
    } else {
        assert.equal(await latency.getAttribute('data-source'), 'browser');
        assert.deepEqual(labels, ['until the first token', 'streaming']);
    }
    assert.equal(await page.locator('#error-box').isVisible(), false);
    await screenshot(page, 'try-free-question');
    assert.deepEqual(errors, []);
    await page.close();
});

test('product review: the typed verdict shows as the server gave it', { timeout: kAnswerTimeoutMs + 30000 }, async () => {
    const { page, errors } = await openTryPage();
    await chooseImage(page);
    await page.locator('input[name="task"][value="product_review"]').check();
    assert.equal(await page.locator('#question').inputValue(), '', 'tasks send no default question');
    const response = await submitFor(page, '/api/product/review');
    const body = await response.json();
    assert.equal(response.status(), 200, `product review answered ${response.status()}: ${JSON.stringify(body)}`);
    assert.equal(body.task, 'product_review');

    const verdict = page.locator('#result-card[data-task="product_review"] .verdict');
    await verdict.waitFor({ timeout: kAnswerTimeoutMs });
    assert.equal(await verdict.getAttribute('data-verdict'), body.result.verdict);
    assert.equal(await verdict.textContent(), body.result.verdict.replaceAll('_', ' '));
    const card = await page.locator('#result-card').textContent();
    for (const reason of body.result.reasons) assert.ok(card.includes(reason), `the card lists the reason “${reason}”`);
    assert.doesNotMatch(card, /\[object /);
    assert.deepEqual(JSON.parse(await page.locator('#raw-json').textContent()), body);
    await page.locator('#latency li[data-segment="business service"]').waitFor();
    await screenshot(page, 'try-product-review');
    assert.deepEqual(errors, []);
    await page.close();
});

test('a file the server refuses: its error code and message show', { timeout: kAnswerTimeoutMs + 30000 }, async () => {
    const { page } = await openTryPage();
    // Claims to be a PNG; the server sniffs the bytes and says no.
    await chooseImage(page, { name: 'not-really.png', mimeType: 'image/png', buffer: Buffer.from('this is plain text, not an image') });
    await page.locator('input[name="task"][value="product_analysis"]').check();
    const response = await submitFor(page, '/api/product/analysis');
    assert.ok(response.status() >= 400 && response.status() < 500, `expected a 4xx, got ${response.status()}`);
    const body = await response.json();
    const errorBox = page.locator('#error-box');
    await errorBox.waitFor();
    assert.equal(await errorBox.getAttribute('data-code'), body.error.code);
    assert.ok((await errorBox.textContent()).includes(body.error.message), 'the server message is shown');
    await screenshot(page, 'try-error');
    await page.close();
});
