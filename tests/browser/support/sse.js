// The test's own reading of a chat-completions event stream, to know what the page should show.

// → {content, timings, usage}: the concatenated delta contents, and the last timings/usage seen.
export function readChatStream(text) {
    const result = { content: '', timings: null, usage: null };
    for (const block of text.split(/\r?\n\r?\n/)) {
        const data = block
            .split(/\r?\n/)
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).replace(/^ /, ''))
            .join('\n');
        if (!data || data === '[DONE]') continue;
        const chunk = JSON.parse(data);
        const choice = chunk.choices && chunk.choices[0];
        if (choice && choice.delta && typeof choice.delta.content === 'string') result.content += choice.delta.content;
        if (choice && choice.message && typeof choice.message.content === 'string') result.content += choice.message.content;
        if (chunk.timings) result.timings = chunk.timings;
        if (chunk.usage) result.usage = chunk.usage;
    }
    return result;
}
