// The config editor: a json-editor form generated from the scoring-config schema, with the
// server's validation messages (the CLI's own) pinned to the fields they concern.
import { api, base, chart, fillTable } from './common.js';

const $ = (id) => document.getElementById(id);
const status = (text) => { $('status').textContent = text; };

const [schema, active] = await Promise.all([api('GET', '/api/schema'), api('GET', '/api/config/active')]);
// Name array items after their key, so a collapsed list still says what is in it.
const NAMED_BY = { indicator: 'key', scorecard: 'key', scorecard_group: 'key', alert_rule: 'key', band: 'name', segment_rule: 'name' };
for (const [def, field] of Object.entries(NAMED_BY)) {
  if (schema.definitions?.[def]) schema.definitions[def].headerTemplate = `{{ i1 }}. {{ self.${field} }}`;
}

if (schema.properties?.version && !schema.properties.version.type) schema.properties.version.type = 'integer';

const editor = new window.JSONEditor($('editor'), {
  schema,
  startval: active?.body,
  theme: 'html',
  iconlib: null,
  display_required_only: true, // show what the config has, not every optional field
  remove_empty_properties: true,
  show_errors: 'interaction',
  disable_edit_json: true,
  disable_properties: false,
  array_controls_top: true,
  prompt_before_delete: true,
});
editor.on('ready', () => {
  status(active ? `Editing active version ${active.id} (${active.name}).` : 'No active config yet: start from an empty form.');
  document.body.dataset.editorReady = 'true';
});
editor.on('change', () => { editor.validate(); }); // json-editor refreshes its own checks asynchronously

let marks = [];
function clearMarks() {
  for (const { node, input } of marks) {
    node.remove();
    if (input) { input.removeAttribute('aria-invalid'); input.removeAttribute('aria-describedby'); }
  }
  marks = [];
  $('issues').replaceChildren();
}

function fieldFor(path) {
  let p = path;
  let ed = editor.getEditor(p);
  while (!ed && p.includes('.')) { p = p.slice(0, p.lastIndexOf('.')); ed = editor.getEditor(p); }
  return ed ?? editor.getEditor('root');
}

function showIssues(issues) {
  clearMarks();
  if (!issues.length) return;
  const list = document.createElement('ul');
  issues.forEach((issue, n) => {
    const ed = fieldFor(issue.field);
    const note = document.createElement('p');
    note.className = 'server-error';
    note.id = `server-error-${n}`;
    note.dataset.path = issue.field;
    note.textContent = issue.message;
    const input = ed.input ?? null;
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', note.id);
      input.insertAdjacentElement('afterend', note);
    } else {
      ed.container.prepend(note);
    }
    marks.push({ node: note, input });
    const item = document.createElement('li');
    const jump = document.createElement('button');
    jump.type = 'button';
    jump.className = 'link';
    jump.textContent = `${issue.path}: ${issue.message}`;
    jump.addEventListener('click', () => { (input ?? note).scrollIntoView({ block: 'center' }); input?.focus(); });
    item.append(jump);
    list.append(item);
  });
  const head = document.createElement('p');
  head.className = 'error';
  head.textContent = `${issues.length} problem${issues.length === 1 ? '' : 's'} — each is also shown at its field:`;
  $('issues').append(head, list);
}

async function run(label, path, extra = {}) {
  status(`${label}…`);
  const answer = await api('POST', path, { config: editor.getValue(), ...extra });
  showIssues(answer.issues ?? []);
  return answer;
}

$('validate').addEventListener('click', async () => {
  const answer = await run('Checking', '/api/config/validate');
  status(answer.ok ? 'Valid: no problems found.' : 'Not valid: see the messages at the fields.');
});

function countsRows(draft, activeCounts) {
  const keys = [...new Set([...Object.keys(activeCounts ?? {}), ...Object.keys(draft)])];
  return keys.map((k) => {
    const before = activeCounts?.[k] ?? 0;
    const after = draft[k] ?? 0;
    return [k, activeCounts ? before : '—', after, activeCounts ? (after - before > 0 ? '+' : '') + (after - before) : '—'];
  });
}

$('preview').addEventListener('click', async () => {
  const answer = await run('Computing the preview', '/api/config/preview');
  if (!answer.ok) { status('The draft has problems: fix them to preview.'); return; }
  const p = answer.preview;
  $('preview-panel').hidden = false;
  const max = Math.max(...p.draft.histogram, ...(p.active?.histogram ?? [0]));
  const scale = { scales: { y: { beginAtZero: true, suggestedMax: max } } };
  chart('chart-active', 'bar', p.labels, [{ label: 'Active', data: p.active?.histogram ?? [] }], scale);
  chart('chart-draft', 'bar', p.labels, [{ label: 'Draft', data: p.draft.histogram, backgroundColor: '#b8860b' }], scale);
  const mean = (s) => (s?.mean == null ? '—' : s.mean.toFixed(1));
  $('preview-summary').textContent =
    `As of ${p.as_of.slice(0, 10)}: mean score ${mean(p.active)} → ${mean(p.draft)}; ` +
    `${p.band_changes} customers change band; the draft would fire ${p.draft.alert_count} alerts` +
    (p.active ? ` (the active config: ${p.active.alert_count}).` : '.');
  fillTable($('preview-bands'), ['Band', 'Active', 'Draft', 'Change'], countsRows(p.draft.bands, p.active?.bands));
  fillTable($('preview-segments'), ['Segment', 'Active', 'Draft', 'Change'], countsRows(p.draft.segments, p.active?.segments));
  fillTable($('preview-movers'), ['Customer', 'Before', 'After', 'Change', 'Band'], p.movers.map((m) => {
    const link = document.createElement('a');
    link.href = `${base}/customers/${m.customer_id}`;
    link.textContent = m.name;
    const fmt = (x) => (x == null ? '—' : x.toFixed(1));
    return [link, fmt(m.before), fmt(m.after), fmt(m.delta), `${m.before_band ?? '—'} → ${m.after_band ?? '—'}`];
  }));
  const fired = p.draft.alerts.slice(0, 25).map((a) => [a.rule, a.severity, a.message]);
  fillTable($('preview-alerts'), ['Rule', 'Severity', 'Message'], fired.length ? fired : [['(none)', '', 'The draft would fire no alerts.']]);
  status('Preview ready below.');
  $('h-preview').focus();
});

$('save-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const answer = await run('Saving', '/api/config/save', {
    author: $('author').value, comment: $('comment').value, activate: $('activate').checked, rescore: $('rescore').checked,
  });
  if (!answer.ok) { status('Not saved: fix the problems shown at the fields.'); return; }
  const what = answer.created ? `Saved as version ${answer.version_id}` : `Unchanged: this is version ${answer.version_id}`;
  const act = answer.activated ? ', now active' : '';
  const runNote = answer.run_id ? `, re-scored as run ${answer.run_id}` : '';
  status(`${what}${act}${runNote}.`);
});
