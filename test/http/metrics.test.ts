/**
 * Prometheus metrics: names, labels, the scrape-time queue gauge, isolation between registries, and
 * `GET /metrics` behind authentication (fastify inject).
 */
import { describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/channels/http/app.ts';
import { createHealth } from '../../src/channels/http/health.ts';
import { createMetrics, nameLabel, typeLabel } from '../../src/channels/http/metrics.ts';
import type { QueueCounts } from '../../src/model/queue.ts';
import { bearer, TOKEN_A } from './support.ts';

const counts = (n: number): QueueCounts => ({ waiting: n, active: 1, failed: 2, completed: 40 + n, dead: 3 });

describe('createMetrics', () => {
  it('records typed events under Prometheus names with units, and only safe label values', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.messageIn('mllp', 'ORU^R01^ORU_R01', 'accepted');
    m.messageIn('mllp', 'ORU^R01', 'accepted');
    m.messageIn('mllp', 'DOE^JANE^^^MR', 'rejected');
    m.messageOut('pacs', 'OMI^O23^OMI_O23', 'delivered');
    m.messageOut('fhir', 'PATCH ImagingStudy', 'retry');
    m.messageOut('ris', 'ADT^A08', 'dead');
    m.ackLatencyMs('mllp', 4);
    m.ackLatencyMs('mllp', 40);
    m.ackLatencyMs('mllp', -1); // a clock step backwards is not a latency
    m.linkDecision('verified');
    m.linkDecision('mismatch');
    m.deliveryFailure('pacs', 'retry');
    m.deliveryFailure('patient DOE, MRN 12345', 'dead');
    const { contentType, body } = await m.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('acclink_messages_in_total{channel="mllp",type="ORU^R01",result="accepted"} 2');
    expect(body).toContain('acclink_messages_in_total{channel="mllp",type="other",result="rejected"} 1');
    expect(body).toContain('acclink_messages_out_total{destination="pacs",type="OMI^O23",result="delivered"} 1');
    expect(body).toContain('acclink_messages_out_total{destination="fhir",type="PATCH ImagingStudy",result="retry"} 1');
    expect(body).toContain('acclink_messages_out_total{destination="ris",type="ADT^A08",result="dead"} 1');
    expect(body).toContain('# TYPE acclink_ack_latency_seconds histogram');
    expect(body).toContain('acclink_ack_latency_seconds_bucket{le="0.001",channel="mllp"} 0');
    expect(body).toContain('acclink_ack_latency_seconds_bucket{le="0.005",channel="mllp"} 1');
    expect(body).toContain('acclink_ack_latency_seconds_bucket{le="0.05",channel="mllp"} 2');
    expect(body).toContain('acclink_ack_latency_seconds_sum{channel="mllp"} 0.044');
    expect(body).toContain('acclink_ack_latency_seconds_count{channel="mllp"} 2');
    expect(body).toContain('acclink_link_decisions_total{status="verified"} 1');
    expect(body).toContain('acclink_delivery_failures_total{destination="pacs",outcome="retry"} 1');
    expect(body).toContain('acclink_delivery_failures_total{destination="other",outcome="dead"} 1');
    expect(body).not.toMatch(/DOE|JANE|12345/);
    expect(body).not.toContain('process_cpu'); // default metrics were turned off
  });

  it('label helpers keep configuration names and message types, and nothing else', () => {
    expect(nameLabel('deliver:pacs')).toBe('deliver:pacs');
    expect(nameLabel('')).toBe('other');
    expect(nameLabel('x'.repeat(65))).toBe('other');
    expect(typeLabel('ORU')).toBe('ORU');
    expect(typeLabel('ORM^O01')).toBe('ORM^O01');
    expect(typeLabel('oru^r01')).toBe('other');
    expect(typeLabel('DICOM update')).toBe('DICOM update');
    expect(typeLabel('1.2.840.113619')).toBe('other');
  });

  it('fills acclink_queue_jobs at scrape time, and empties it (up=0) when the counts cannot be read', async () => {
    let n = 5;
    let fail = false;
    const m = createMetrics({
      defaultMetrics: false, queueCountsTimeoutMs: 200,
      queueCounts: () => fail ? new Promise(() => undefined) : Promise.resolve({ ingest: counts(n), 'deliver:pacs': counts(0) }),
    });
    let body = (await m.render()).body;
    expect(body).toContain('acclink_queue_jobs{queue="ingest",state="waiting"} 5');
    expect(body).toContain('acclink_queue_jobs{queue="ingest",state="dead"} 3');
    expect(body).toContain('acclink_queue_jobs{queue="deliver:pacs",state="completed"} 40');
    expect(body).toContain('acclink_queue_counts_up 1');
    n = 7;
    body = (await m.render()).body;
    expect(body).toContain('acclink_queue_jobs{queue="ingest",state="waiting"} 7');
    fail = true;
    body = (await m.render()).body;
    expect(body).toContain('acclink_queue_counts_up 0');
    expect(body).not.toContain('acclink_queue_jobs{');
  });

  it('two instances in one process keep separate registries (no duplicate-registration error)', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.linkDecision('orphan');
    expect((await a.render()).body).toContain('acclink_link_decisions_total{status="orphan"} 1');
    expect((await b.render()).body).not.toContain('status="orphan"');
    expect((await b.render()).body).toContain('process_cpu_user_seconds_total');
  });
});

describe('GET /metrics', () => {
  it('serves the text exposition to an authenticated scraper only', async () => {
    const metrics = createMetrics({ queueCounts: () => Promise.resolve({ link: counts(2) }) });
    metrics.messageIn('mllp', 'ORU^R01', 'duplicate');
    const app = await createHttpApp({ tokens: [TOKEN_A], health: createHealth([]), metrics });
    try {
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const res = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(TOKEN_A) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toContain('acclink_messages_in_total{channel="mllp",type="ORU^R01",result="duplicate"} 1');
      expect(res.body).toContain('acclink_queue_jobs{queue="link",state="waiting"} 2');
      expect(res.body).toContain('nodejs_eventloop_lag_seconds');
    } finally {
      await app.close();
    }
  });
});
