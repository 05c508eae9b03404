// Shared by the admin pages: calls to the admin JSON API (with the CSRF header) and chart helpers.
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? '';
export const base = meta('admin-base');

export async function api(method, path, body) {
  const response = await fetch(base + path, {
    method,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': meta('csrf-token') },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) { window.location.assign(base + '/login'); throw new Error('signed out'); }
  const data = await response.json();
  if (!response.ok && !('issues' in (data ?? {}))) throw new Error(data?.error ?? `HTTP ${response.status}`);
  return data;
}

export function pageData(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

const COLOURS = ['#1f5fa8', '#c0392b', '#2e8b57', '#b8860b', '#6a3d9a', '#00838f'];

if (window.Chart) {
  window.Chart.defaults.animation = false; // charts should be readable at once (and in screenshots)
  window.Chart.defaults.maintainAspectRatio = false;
}

export function chart(canvasId, type, labels, datasets, options = {}) {
  const canvas = document.getElementById(canvasId);
  if (!canvas || !window.Chart) return null;
  const existing = window.Chart.getChart(canvas);
  if (existing) existing.destroy();
  return new window.Chart(canvas, {
    type,
    data: {
      labels,
      datasets: datasets.map((d, i) => ({ borderColor: COLOURS[i % COLOURS.length], backgroundColor: COLOURS[i % COLOURS.length], ...d })),
    },
    options: { responsive: true, plugins: { legend: { display: datasets.length > 1 } }, ...options },
  });
}

export function fillTable(table, headers, rows) {
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const h of headers) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const cell of row) {
      const td = tr.insertCell();
      if (cell instanceof Node) td.append(cell); else td.textContent = cell ?? '—';
    }
  }
}
