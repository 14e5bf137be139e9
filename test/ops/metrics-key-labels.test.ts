import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/ops/metrics.js';
import { recordHistoryFromMetrics, type UsageCounters, type UsageHistoryStore, type UsageSubject } from '../../src/ops/usage-history.js';

describe('the key label of the per-key metrics', () => {
  it('gives the first metrics.keyLabels keys series of their own and counts the rest under _other, while the usage history keeps every key', async () => {
    const metrics = createMetrics({ keyLabels: 2 });
    const added: Array<[readonly UsageSubject[], UsageCounters]> = [];
    const history: UsageHistoryStore = { retentionMs: 0, add: (subjects, counters) => void added.push([subjects, counters]), read: async () => [], flush: async () => {}, close: async () => {} };
    recordHistoryFromMetrics(metrics, history);
    for (const key of ['a', 'b', 'c', 'd', 'a']) metrics.uploads.inc({ key, outcome: 'done', code: 0 });
    metrics.jobsFinished.inc({ key: 'd', outcome: 'done', code: 0 });

    const text = await metrics.registry.metrics();
    const series = (name: string) => text.split('\n').filter((line) => line.startsWith(`${name}{`));
    expect(series('upgate_uploads_total')).toEqual([
      'upgate_uploads_total{key="a",outcome="done",code="0"} 2',
      'upgate_uploads_total{key="b",outcome="done",code="0"} 1',
      'upgate_uploads_total{key="_other",outcome="done",code="0"} 2',
    ]);
    expect(series('upgate_jobs_finished_total')).toEqual(['upgate_jobs_finished_total{key="_other",outcome="done",code="0"} 1']);
    expect(added.map(([subjects]) => subjects[0])).toEqual(['key:a', 'key:b', 'key:c', 'key:d', 'key:a', 'key:d']);
  });
});
