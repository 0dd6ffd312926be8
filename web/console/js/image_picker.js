// The try-it page's image: picked with the file input, dropped on the drop zone, or pasted anywhere.
// Shows a preview (DICOM files, which browsers cannot draw, get a caption instead).

const kMaxBytes = 32 * 1024 * 1024;  // far above any sensible upload; the server enforces its own limit

export function isDicom(file) {
    return !!file && (file.type === 'application/dicom' || /\.(dcm|dicom)$/i.test(file.name));
}

export class ImagePicker {
    // elements: {input, dropZone, preview, previewImage, previewCaption}; onProblem(message) for a refused file.
    constructor(elements, onProblem) {
        this.elements = elements;
        this.onProblem = onProblem;
        this.file = null;
        this.objectUrl = null;
        const { input, dropZone, previewImage, previewCaption } = elements;
        // A file that claims to be an image but is not: say so instead of showing a broken picture.
        previewImage.addEventListener('error', () => {
            if (!previewImage.getAttribute('src')) return;
            previewImage.hidden = true;
            previewCaption.append(' (this browser cannot display it)');
        });
        input.addEventListener('change', () => input.files && input.files[0] && this.choose(input.files[0]));
        dropZone.addEventListener('dragover', (event) => {
            event.preventDefault();
            dropZone.classList.add('is-over');
        });
        dropZone.addEventListener('dragleave', () => dropZone.classList.remove('is-over'));
        dropZone.addEventListener('drop', (event) => {
            event.preventDefault();
            dropZone.classList.remove('is-over');
            const file = event.dataTransfer && event.dataTransfer.files[0];
            if (file) this.choose(file);
        });
        document.addEventListener('paste', (event) => {
            const items = event.clipboardData ? [...event.clipboardData.items] : [];
            const item = items.find((i) => i.kind === 'file');
            if (!item) return;  // pasted text goes where it was pasted
            event.preventDefault();
            const file = item.getAsFile();
            if (file) this.choose(file.name ? file : new File([file], 'pasted-image', { type: file.type }));
        });
    }

    choose(file) {
        if (file.size > kMaxBytes) return this.onProblem(`${file.name} is ${Math.round(file.size / 1048576)} MiB; choose a smaller image.`);
        if (!file.type.startsWith('image/') && !isDicom(file)) {
            return this.onProblem(`${file.name || 'That file'} is not an image (${file.type || 'unknown type'}).`);
        }
        this.file = file;
        const { preview, previewImage, previewCaption } = this.elements;
        if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
        this.objectUrl = null;
        const size = file.size < 1024 ? `${file.size} B` : `${Math.round(file.size / 1024)} KiB`;
        if (isDicom(file)) {
            previewImage.hidden = true;
            previewCaption.textContent = `${file.name} · DICOM, ${size} (no preview; the server decodes it)`;
        } else {
            this.objectUrl = URL.createObjectURL(file);
            previewImage.src = this.objectUrl;
            previewImage.hidden = false;
            previewCaption.textContent = `${file.name} · ${size}`;
        }
        preview.hidden = false;
    }
}
