// The try-it page's two kinds of call to the platform API: a streamed free question (OpenAI chat
// completions) and a business task. Both throw ApiError with the server's error body when it says no.

import { ApiError, errorFromResponse, unreachableError } from './api.js';
import { apiUrl } from './config.js';
import { readEventData } from './sse_reader.js';

export const kTaskPaths = {
    product_analysis: '/api/product/analysis',
    product_review: '/api/product/review',
    homework_correction: '/api/homework/correction',
    medical_analysis: '/api/medical/analysis',
};

// Streams the answer to `question` about `file`; onText(piece) for each piece as it arrives.
// Resolves to {text, finishReason, usage, timings, firstTokenMs, totalMs}; timings is the server's
// breakdown when the stream carries one, else null.
export async function askQuestion({ apiBase, headers, file, question, signal, onText }) {
    const body = {
        stream: true,
        messages: [
            {
                role: 'user',
                content: [
                    { type: 'image_url', image_url: { url: await dataUri(file) } },
                    { type: 'text', text: question },
                ],
            },
        ],
    };
    const url = apiUrl(apiBase, '/v1/chat/completions');
    const started = performance.now();
    const response = await post(url, { signal, headers: { ...headers, 'Content-Type': 'application/json', Accept: 'text/event-stream' }, body: JSON.stringify(body) });
    const result = { text: '', finishReason: null, usage: null, timings: null, firstTokenMs: null, totalMs: null };
    const take = (chunk) => {
        if (chunk.error) {
            const e = chunk.error;
            throw new ApiError({ status: response.status, code: String(e.code || e.type || 'stream_error'), message: String(e.message || 'the stream failed'), requestId: e.request_id || null, body: chunk });
        }
        const choice = Array.isArray(chunk.choices) && chunk.choices[0] ? chunk.choices[0] : null;
        const piece = choice && (choice.delta ? choice.delta.content : choice.message ? choice.message.content : null);
        if (typeof piece === 'string' && piece) {
            if (result.firstTokenMs === null) result.firstTokenMs = performance.now() - started;
            result.text += piece;
            onText(piece);
        }
        if (choice && choice.finish_reason) result.finishReason = choice.finish_reason;
        if (chunk.usage) result.usage = chunk.usage;
        if (chunk.timings) result.timings = chunk.timings;
    };
    try {
        if ((response.headers.get('Content-Type') || '').includes('text/event-stream')) {
            let done = false;
            for await (const data of readEventData(response)) {
                // Read on to the end after [DONE] (the server closes then): hanging up early would
                // abort the request, and a tool watching the network would see it cancelled.
                if (done) continue;
                if (data.trim() === '[DONE]') {
                    done = true;
                    continue;
                }
                let chunk;
                try {
                    chunk = JSON.parse(data);
                } catch {
                    throw new ApiError({ status: response.status, code: 'invalid_stream', message: `the stream sent an event that is not JSON: ${data.slice(0, 120)}` });
                }
                take(chunk);
            }
            if (!done && !result.finishReason) {
                throw new ApiError({ status: response.status, code: 'stream_cut', message: 'the stream ended before the answer was complete' });
            }
        } else {
            take(await response.json());  // a server that ignores `stream` answers one chat.completion
        }
    } catch (error) {
        if (error instanceof ApiError) throw error;
        throw unreachableError(url, error);
    }
    result.totalMs = performance.now() - started;
    return result;
}

// Runs a business task on `file` (multipart: raw bytes, so DICOM files go as they are).
// Resolves to {body, roundTripMs}: body is the stored result (id, task, status, result, latency_ms, …).
export async function runTask({ apiBase, headers, task, file, question, signal }) {
    const form = new FormData();
    form.append('image', file, file.name || 'image');
    if (question) form.append('question', question);
    const url = apiUrl(apiBase, kTaskPaths[task]);
    const started = performance.now();
    const response = await post(url, { signal, headers: { ...headers, Accept: 'application/json' }, body: form });
    let body;
    try {
        body = await response.json();
    } catch (error) {
        if (error && error.name === 'AbortError') throw unreachableError(url, error);
        throw new ApiError({ status: response.status, code: 'invalid_json', message: 'the server did not answer JSON' });
    }
    return { body, roundTripMs: performance.now() - started };
}

async function post(url, { signal, headers, body }) {
    let response;
    try {
        response = await fetch(url, { method: 'POST', signal, headers, body, cache: 'no-store' });
    } catch (cause) {
        throw unreachableError(url, cause);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
}

function dataUri(file) {
    return new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.onerror = () => reject(new ApiError({ code: 'unreadable_file', message: `${file.name} could not be read` }));
        reader.readAsDataURL(file);
    });
}
