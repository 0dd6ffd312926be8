// A business task's result as people read it: one card per task type, built from the stored result
// (the `result` object of /api/product/…, /api/homework/…, /api/medical/…).

import { el, fill } from './dom.js';
import { format, isNumber } from './format.js';

const kTitles = {
    product_analysis: 'Product analysis',
    product_review: 'Product review',
    homework_correction: 'Homework correction',
    medical_analysis: 'Medical analysis',
};

export function renderResultCard(container, body) {
    const result = body.result && typeof body.result === 'object' ? body.result : {};
    const render = kRenderers[body.task] || generic;
    container.dataset.task = body.task || '';
    fill(
        container,
        el('h3', {}, kTitles[body.task] || body.task || 'Result'),
        render(result),
        el('p', { class: 'muted small' }, [
            body.id ? `result ${body.id}` : null,
            body.model ? ` · ${body.model}` : null,
            body.prompt_version ? ` · prompt ${body.prompt_version}` : null,
        ]),
    );
    container.hidden = false;
}

const kRenderers = {
    product_analysis: (r) =>
        facts([
            ['Product', r.product_name],
            ['Category', r.category],
            ['Colour', r.attributes && r.attributes.color],
            ['Material', r.attributes && r.attributes.material],
            ['Brand', r.attributes && r.attributes.brand],
            ['Intended use', r.intended_use],
            ['Description', r.description],
        ]),

    product_review: (r) => {
        const tone = r.verdict === 'pass' ? 'ok' : r.verdict === 'reject' ? 'bad' : 'warn';
        const adjusted = r.verdict_adjusted
            ? el('p', { class: 'small' }, `The model said “${words(r.model_verdict)}”; changed to ${words(r.verdict)} (${words(r.verdict_adjusted)}).`)
            : null;
        return [
            el('p', { class: 'verdict-line' }, 'Verdict ', el('span', { class: `badge badge-${tone} verdict`, 'data-verdict': r.verdict }, words(r.verdict))),
            adjusted,
            facts([
                ['Confidence', isNumber(r.confidence) ? format(r.confidence, 'ratio') : null],
                ['Matched categories', list(r.matched_categories)],
                ['Reasons', list(r.reasons)],
            ]),
        ];
    },

    homework_correction: (r) => {
        const questions = Array.isArray(r.questions) ? r.questions : [];
        return [
            el('p', { class: 'score' }, 'Score ', el('strong', { 'data-score': r.score }, `${r.score ?? '—'} / ${r.total ?? '—'}`),
                r.model_score ? el('span', { class: 'muted small' }, ` (the model claimed ${r.model_score.score} / ${r.model_score.total}; recounted)`) : null),
            questions.length
                ? el('ul', { class: 'questions' }, questions.map((q) =>
                      el('li', { 'data-correct': String(!!q.correct) },
                          el('span', { class: `badge ${q.correct ? 'badge-ok' : 'badge-bad'}` }, q.correct ? 'correct' : 'wrong'),
                          ` ${q.number ? `${q.number}. ` : ''}${q.question || ''}`,
                          facts([
                              ['Answer given', q.student_answer],
                              ['Expected', q.correct ? null : q.expected_answer],
                              ['Comment', q.comment],
                          ]),
                      ),
                  ))
                : el('p', { class: 'muted' }, 'No questions found.'),
        ];
    },

    medical_analysis: (r) => {
        const findings = Array.isArray(r.findings) ? r.findings : [];
        return [
            r.disclaimer ? el('p', { class: 'note note-warn disclaimer' }, r.disclaimer) : null,
            facts([
                ['Modality', r.modality],
                ['Body part', r.body_part],
                ['Abnormal', typeof r.abnormal === 'boolean' ? (r.abnormal ? 'yes' : 'no') : null],
                ['DICOM', r.dicom ? `${r.dicom.modality || '?'} · ${r.dicom.columns}×${r.dicom.rows} · ${r.dicom.frames} frame(s)` : null],
            ]),
            el('h4', {}, 'Findings'),
            findings.length
                ? el('ul', { class: 'findings' }, findings.map((f) =>
                      el('li', {}, el('span', { class: `badge ${f.severity === 'normal' ? 'badge-ok' : f.severity === 'mild' ? 'badge-muted' : 'badge-warn'}` }, f.severity || '—'),
                          ` ${f.description || ''}`, f.location ? el('span', { class: 'muted' }, ` (${f.location})`) : null),
                  ))
                : el('p', { class: 'muted' }, 'No findings listed.'),
        ];
    },
};

// 'manual_review' → 'manual review'
function words(value) {
    return value ? String(value).replaceAll('_', ' ') : '—';
}

function generic(result) {
    return el('pre', {}, JSON.stringify(result, null, 2));
}

// A definition list of [label, value] rows; empty values are left out.
function facts(rows) {
    const shown = rows.filter(([, value]) => value !== null && value !== undefined && value !== '');
    return el('dl', { class: 'facts' }, shown.map(([label, value]) => [el('dt', {}, label), el('dd', {}, value)]));
}

function list(items) {
    if (!Array.isArray(items) || !items.length) return 'none';
    return el('ul', {}, items.map((item) => el('li', {}, String(item))));
}
