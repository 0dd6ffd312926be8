// HTTP calls to VisionGrid's APIs: JSON in and out, and one error type carrying the server's
// {"error": {"code", "message", "request_id"}} body (or OpenAI's {"error": {"message", "type"}}).

export class ApiError extends Error {
    constructor({ status = 0, code, message, requestId = null, body = null }) {
        super(message);
        this.name = 'ApiError';
        this.status = status;  // 0: no HTTP answer at all
        this.code = code;
        this.requestId = requestId;
        this.body = body;  // the parsed JSON error body, when there was one
    }
}

// The ApiError a non-2xx response stands for.
export async function errorFromResponse(response) {
    let text = '';
    let body = null;
    try {
        text = await response.text();
        body = JSON.parse(text);
    } catch {
        // not JSON: the text (or the status line) is all we have
    }
    const error = body && typeof body.error === 'object' && body.error !== null ? body.error : {};
    return new ApiError({
        status: response.status,
        code: String(error.code || error.type || `http_${response.status}`),
        message: String(error.message || text.trim().slice(0, 300) || response.statusText || `HTTP ${response.status}`),
        requestId: error.request_id || response.headers.get('X-Request-Id'),
        body,
    });
}

// The ApiError for a request that got no HTTP answer (refused, reset, timed out, aborted).
export function unreachableError(url, cause, timedOut = false) {
    const where = new URL(url, document.baseURI).origin;
    if (timedOut) return new ApiError({ code: 'timeout', message: `${where}: no answer in time` });
    if (cause && cause.name === 'AbortError') return new ApiError({ code: 'cancelled', message: `${where}: cancelled` });
    return new ApiError({ code: 'unreachable', message: `${where}: connection failed` });
}

// GET url → parsed JSON, or throws ApiError. The timeout covers the whole exchange.
export async function getJson(url, { timeoutMs = 4000 } = {}) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
    }, timeoutMs);
    try {
        let response;
        try {
            response = await fetch(url, { signal: controller.signal, cache: 'no-store', headers: { Accept: 'application/json' } });
        } catch (cause) {
            throw unreachableError(url, cause, timedOut);
        }
        if (!response.ok) throw await errorFromResponse(response);
        try {
            return await response.json();
        } catch (cause) {
            if (timedOut) throw unreachableError(url, cause, true);
            throw new ApiError({ status: response.status, code: 'invalid_json', message: `${url} did not answer JSON` });
        }
    } finally {
        clearTimeout(timer);
    }
}

// One line for people: "HTTP 415 · unsupported_image: … (request 7f3a…)".
export function describeError(error) {
    if (!(error instanceof ApiError)) return String(error && error.message ? error.message : error);
    const status = error.status ? `HTTP ${error.status} · ` : '';
    const request = error.requestId ? ` (request ${error.requestId})` : '';
    return `${status}${error.code}: ${error.message}${request}`;
}
