import { chart, pageData } from './common.js';

const data = pageData('dashboard-data');
if (data?.run) {
  chart('chart-histogram', 'bar', data.histogram.labels, [{ label: 'Customers', data: data.histogram.counts }]);
  chart('chart-runs', 'line', data.history.map((r) => `run ${r.run} (v${r.config_version})`), [
    { label: 'Mean health score', data: data.history.map((r) => r.mean_health) },
  ]);
  chart('chart-kpis', 'line', data.kpis.labels, [
    { label: 'Retention', data: data.kpis.retention },
    { label: 'Churn', data: data.kpis.churn },
    { label: 'Repurchase', data: data.kpis.repurchase },
  ]);
}
