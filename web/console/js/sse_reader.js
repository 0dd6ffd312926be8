// Server-sent events from a fetch() response. EventSource only does GET; the chat stream answers a POST.

// Yields the data of each event (its data: lines joined by newlines), in order, until the body ends.
export async function* readEventData(response) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
        for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let end;
            while ((end = eventEnd(buffer))) {
                const data = dataOf(buffer.slice(0, end.index));
                buffer = buffer.slice(end.index + end.length);
                if (data !== null) yield data;
            }
        }
        const data = dataOf(buffer);
        if (data !== null) yield data;
    } finally {
        // Stopping early (the [DONE] event, an error event) hangs up instead of leaving the body half read.
        reader.cancel().catch(() => {});
    }
}

// An event ends at a blank line; servers may use \n or \r\n.
function eventEnd(buffer) {
    const match = /\r?\n\r?\n/.exec(buffer);
    return match ? { index: match.index, length: match[0].length } : null;
}

function dataOf(block) {
    const lines = block.split(/\r?\n/).filter((line) => line.startsWith('data:'));
    if (!lines.length) return null;
    return lines.map((line) => line.slice(line.startsWith('data: ') ? 6 : 5)).join('\n');
}
