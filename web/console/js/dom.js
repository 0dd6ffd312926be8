// Building DOM nodes from data. Text always goes in through textContent, never innerHTML,
// so whatever a server or a model says is shown, not run.

// el('p', {class: 'note', 'data-x': 1}, 'text', otherNode) → <p class="note" data-x="1">text…</p>
export function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
        if (value === null || value === undefined || value === false) continue;
        node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
        if (child === null || child === undefined || child === false) continue;
        node.append(child instanceof Node ? child : String(child));
    }
    return node;
}

// Replaces everything inside `node` with `children`.
export function fill(node, ...children) {
    node.replaceChildren();
    for (const child of children.flat(Infinity)) {
        if (child === null || child === undefined || child === false) continue;
        node.append(child instanceof Node ? child : String(child));
    }
    return node;
}
