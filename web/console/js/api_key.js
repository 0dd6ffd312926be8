// The optional API key of the try-it page, kept in localStorage only when the person asks for it.

const kStorageKey = 'visiongrid.console.apiKey';

export class ApiKeyField {
    constructor(input, remember) {
        this.input = input;
        this.remember = remember;
        const saved = read();
        if (saved) {
            input.value = saved;
            remember.checked = true;
        }
        input.addEventListener('input', () => this.save());
        remember.addEventListener('change', () => this.save());
    }

    save() {
        try {
            if (this.remember.checked && this.input.value.trim()) localStorage.setItem(kStorageKey, this.input.value.trim());
            else localStorage.removeItem(kStorageKey);
        } catch {
            // storage disabled (private mode): the key still works for this page
        }
    }

    // The headers that carry the key, or none. The gateway takes API keys and JWTs as a bearer credential.
    headers() {
        const key = this.input.value.trim();
        return key ? { Authorization: `Bearer ${key}` } : {};
    }
}

function read() {
    try {
        return localStorage.getItem(kStorageKey) || '';
    } catch {
        return '';
    }
}
