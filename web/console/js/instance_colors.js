// One colour per instance, the same in every chart and in the legend, kept while the page lives.
// The palette holds colours readable on both the light and the dark background.

const kPalette = ['#2f6fde', '#d9480f', '#2b8a3e', '#ae3ec9', '#c2255c', '#0c8599', '#a97000', '#5f3dc4', '#868e96', '#e8590c'];

export class InstanceColors {
    constructor() {
        this.assigned = new Map();
    }

    // Sorting first keeps the assignment independent of the order the monitor lists instances in.
    assign(instances) {
        for (const name of [...instances].sort()) {
            if (!this.assigned.has(name)) this.assigned.set(name, kPalette[this.assigned.size % kPalette.length]);
        }
    }

    colorFor(instance) {
        if (!this.assigned.has(instance)) this.assign([instance]);
        return this.assigned.get(instance);
    }
}
