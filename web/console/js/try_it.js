// The try-it page (try.html): one image, one task, one request to the platform API; the answer streams
// in (free question) or comes back as a typed result (business tasks), with where the time went.

import { ApiError, describeError } from './api.js';
import { ApiKeyField } from './api_key.js';
import { loadConsoleConfig } from './config.js';
import { el, fill } from './dom.js';
import { ImagePicker, isDicom } from './image_picker.js';
import { renderLatency, serverSegments } from './latency_bar.js';
import { renderResultCard } from './result_card.js';
import { askQuestion, runTask } from './task_client.js';

const kDefaultQuestion = 'What is in this picture?';

const $ = (id) => document.getElementById(id);
const form = $('try-form');
const question = $('question');
const submit = $('submit');
const cancel = $('cancel');
const status = $('status');
const out = {
    section: $('output'),
    error: $('error-box'),
    answer: $('answer'),
    card: $('result-card'),
    latency: $('latency'),
    raw: $('raw'),
    rawJson: $('raw-json'),
};
const configReady = loadConsoleConfig();
const apiKey = new ApiKeyField($('api-key'), $('remember-key'));
const picker = new ImagePicker(
    { input: $('image-input'), dropZone: $('drop-zone'), preview: $('preview'), previewImage: $('preview-image'), previewCaption: $('preview-caption') },
    (message) => showError(message),
);
let running = null;  // the AbortController of the request under way

function selectedTask() {
    return form.elements.task.value;
}

// A free question needs one; for a task it is an optional extra instruction. The default text follows
// the choice until the person types their own.
function onTaskChange() {
    const chat = selectedTask() === 'chat';
    const untouched = question.value === '' || question.value === kDefaultQuestion;
    if (untouched) question.value = chat ? kDefaultQuestion : '';
    $('question-label').textContent = chat ? 'Question' : 'Extra instruction (optional)';
    $('question-hint').textContent = chat ? '' : 'Sent with the task’s own prompt.';
}

async function onSubmit(event) {
    event.preventDefault();
    if (running) return;
    const task = selectedTask();
    const file = picker.file;
    resetOutput();
    if (!file) return showError('Choose an image first.');
    if (isDicom(file) && task !== 'medical_analysis') return showError('DICOM files are accepted by the medical analysis task only.');
    if (task === 'chat' && !question.value.trim()) return showError('Write a question.');

    running = new AbortController();
    setBusy(true, 'Sending…');
    try {
        const { api_base: apiBase } = await configReady;
        const common = { apiBase, headers: apiKey.headers(), file, signal: running.signal };
        if (task === 'chat') await ask(common);
        else await runBusinessTask({ ...common, task });
        setBusy(false, 'Done.');
    } catch (error) {
        setBusy(false, '');
        showError(error);
    } finally {
        running = null;
    }
}

async function ask(common) {
    out.answer.hidden = false;
    out.answer.dataset.state = 'streaming';
    const result = await askQuestion({
        ...common,
        question: question.value.trim(),
        onText: (piece) => {
            if (status.textContent !== 'Answering…') status.textContent = 'Answering…';
            out.answer.append(piece);
        },
    });
    out.answer.dataset.state = 'done';
    if (!result.text) out.answer.textContent = '(the model answered nothing)';
    if (result.timings) {
        renderLatency(out.latency, { segments: serverSegments(result.timings), totalMs: result.totalMs, source: 'server', note: usageNote(result) });
    } else {
        const first = result.firstTokenMs ?? result.totalMs;
        renderLatency(out.latency, {
            segments: [
                { label: 'until the first token', ms: first },
                { label: 'streaming', ms: result.totalMs - first },
            ],
            totalMs: result.totalMs,
            source: 'browser',
            note: `Measured in this browser: the server sent no timings with the stream. ${usageNote(result)}`,
        });
    }
    showRaw({ finish_reason: result.finishReason, usage: result.usage, timings: result.timings });
}

async function runBusinessTask(common) {
    const { body, roundTripMs } = await runTask({ ...common, question: question.value.trim() });
    renderResultCard(out.card, body);
    const server = Number(body.latency_ms);
    renderLatency(out.latency, {
        segments: Number.isFinite(server)
            ? [
                  { label: 'business service', ms: server },
                  { label: 'network and gateway', ms: Math.max(0, roundTripMs - server) },
              ]
            : [{ label: 'round trip', ms: roundTripMs }],
        totalMs: roundTripMs,
        source: 'server',
        note: 'The business service’s time covers the model call, validation and storing the result.',
    });
    showRaw(body);
}

function usageNote(result) {
    const u = result.usage;
    if (!u) return '';
    const image = u.image_tokens ? `, ${u.image_tokens} of them for the image` : '';
    return `${u.prompt_tokens} prompt tokens${image}; ${u.completion_tokens} generated.`;
}

function resetOutput() {
    out.section.hidden = false;
    for (const node of [out.error, out.answer, out.card, out.latency, out.raw]) node.hidden = true;
    fill(out.answer);
    delete out.answer.dataset.state;
    out.rawJson.textContent = '';
}

function showRaw(value) {
    out.rawJson.textContent = JSON.stringify(value, null, 2);
    out.raw.hidden = false;
}

// A message, or an error from the server: its status, code and message, and anything else it sent.
function showError(error) {
    out.section.hidden = false;
    if (error instanceof ApiError && error.code === 'cancelled') {
        status.textContent = 'Cancelled.';
        if (out.answer.dataset.state === 'streaming') out.answer.dataset.state = 'cancelled';
        return;
    }
    const text = typeof error === 'string' ? error : describeError(error);
    fill(out.error, el('strong', {}, typeof error === 'string' ? 'Cannot send' : 'The request failed'), el('p', { class: 'error-text' }, text));
    if (error instanceof ApiError) {
        out.error.dataset.code = error.code;
        if (error.body && error.body.raw_output) {
            out.error.append(el('p', { class: 'small' }, 'What the model wrote:'), el('pre', {}, String(error.body.raw_output)));
        }
        if (error.body) showRaw(error.body);
    }
    out.error.hidden = false;
    if (out.answer.dataset.state === 'streaming') out.answer.dataset.state = 'failed';
}

function setBusy(busy, message) {
    submit.disabled = busy;
    cancel.hidden = !busy;
    status.textContent = message;
}

form.addEventListener('submit', onSubmit);
form.addEventListener('change', (event) => event.target.name === 'task' && onTaskChange());
cancel.addEventListener('click', () => running && running.abort());
onTaskChange();
