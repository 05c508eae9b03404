import { chart, pageData } from './common.js';

const data = pageData('customer-data');
if (data) {
  const points = data.indicators.map((i) => i.points ?? 0);
  chart('chart-contrib', 'bar', data.indicators.map((i) => i.key), [{
    label: 'Points',
    data: points,
    backgroundColor: points.map((p) => (p < 0 ? '#c0392b' : '#2e8b57')),
  }], { indexAxis: 'y' });
  chart('chart-history', 'line', data.history.map((h) => h.as_of.slice(0, 10) + ` (run ${h.run})`), [
    { label: 'Health score', data: data.history.map((h) => h.score) },
  ], { scales: { y: { min: 0, max: 100 } } });
}
