// The console's settings, from config.json beside the pages (served by whoever serves the console).
import { getJson } from './api.js';

const kDefaults = { api_base: '' };

// Never fails: without a readable config.json the platform API is taken to be on this origin.
export async function loadConsoleConfig() {
    try {
        const loaded = await getJson(new URL('config.json', document.baseURI).href);
        const config = { ...kDefaults };
        if (loaded && typeof loaded.api_base === 'string') config.api_base = loaded.api_base;
        return config;
    } catch {
        return { ...kDefaults };
    }
}

// apiUrl('http://gw:8080/', '/v1/chat/completions') → 'http://gw:8080/v1/chat/completions'
export function apiUrl(base, path) {
    return base.replace(/\/+$/, '') + path;
}
