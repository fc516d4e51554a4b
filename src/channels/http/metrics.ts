/**
 * Prometheus metrics of the engine, on a registry of their own (never prom-client's global one), so
 * that tests and several engines in one process do not clash.
 *
 * Labels carry configuration names (channels, destinations, queues), message types and result codes
 * only; every value is checked against a small alphabet and replaced by `other` when it does not fit,
 * so neither patient data nor unbounded cardinality can enter a series by mistake.
 * @see https://prometheus.io/docs/practices/naming/ (base units, `_total` for counters)
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/ (text format 0.0.4)
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LinkStatus } from '../../model/link.ts';
import type { QueueCounts } from '../../model/queue.ts';
import type { DeliveryOutcome } from '../../model/sink.ts';

/** What became of one inbound message (the ingest stage's outcomes, plus `error` for a failed handler). */
export type InboundResult = 'accepted' | 'duplicate' | 'rejected' | 'error';

/** Why a delivery attempt did not deliver: `retry` and `dead` as the sink said, `error` when it threw. */
export type DeliveryFailure = Exclude<DeliveryOutcome, 'delivered'> | 'error';

/** Counts of every queue, by queue name (see {@link QueueCounts}). */
export type QueueCountsSource = () => Promise<Record<string, QueueCounts>>;

export interface MetricsOptions {
  /** Read at every scrape to fill `acclink_queue_jobs`; absent: the gauge stays empty. */
  queueCounts?: QueueCountsSource;
  /** Bound on one `queueCounts` call; default 2000 ms (a scrape must not hang on a lost Redis). */
  queueCountsTimeoutMs?: number;
  /** Node.js process metrics (`process_*`, `nodejs_*`) on the same registry; default true. */
  defaultMetrics?: boolean;
}

/** The engine's metrics: typed record functions and the exposition. */
export interface Metrics {
  readonly registry: Registry;
  /** One inbound message on `channel` (e.g. `mllp`), of HL7 type `type` (e.g. `ORU^R01`). */
  messageIn(channel: string, type: string, result: InboundResult): void;
  /** One delivery attempt to `destination` of message type `type`. */
  messageOut(destination: string, type: string, result: DeliveryOutcome): void;
  /** Time from a message's arrival to its ACK being written. */
  ackLatencyMs(channel: string, latencyMs: number): void;
  /** One decision of the linker. */
  linkDecision(status: LinkStatus): void;
  /** One failed delivery attempt. */
  deliveryFailure(destination: string, outcome: DeliveryFailure): void;
  /** The text exposition and its content type, for `GET /metrics`. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Names from configuration (channels, destinations, queues). */
const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
/** HL7 v2 MSH-9 (`ORU^R01^ORU_R01`), kept as message code and trigger event. */
const HL7_TYPE = /^([A-Z][A-Z0-9]{2})(?:\^([A-Z0-9]{3}))?(?:\^[A-Z0-9_]{1,7})?$/;
/** Other planned messages: `PATCH ImagingStudy`, `DICOM update`. */
const WORDS_TYPE = /^[A-Za-z]{1,16}(?: [A-Za-z]{1,32})?$/;

/** A configuration name as a label value, or `other`. */
export function nameLabel(value: string): string {
  return NAME.test(value) ? value : 'other';
}

/** A message type as a label value: `ORU^R01`, `PATCH ImagingStudy`, or `other`. */
export function typeLabel(value: string): string {
  const hl7 = HL7_TYPE.exec(value);
  if (hl7 !== null) return hl7[2] === undefined ? (hl7[1] as string) : `${hl7[1]}^${hl7[2]}`;
  return WORDS_TYPE.test(value) ? value : 'other';
}

/** ACK latency buckets: MLLP acknowledgements after a store write take 1–100 ms. */
const ACK_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const QUEUE_STATES = ['waiting', 'active', 'failed', 'completed', 'dead'] as const;

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no queue counts within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Registers the queue gauges, filled at scrape time from `source`. `acclink_queue_jobs` is registered
 * first: the registry starts collectors in registration order, so the `up` gauge awaits the same read.
 */
function queueGauges(registry: Registry, source: QueueCountsSource | undefined, timeoutMs: number): void {
  let pending: Promise<boolean> | undefined;
  const jobs = new Gauge({
    name: 'acclink_queue_jobs',
    help: 'Jobs per queue and state at scrape time (completed is a running total)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    collect: async () => {
      pending = fill();
      await pending;
    },
  });
  /** Reads the counts into `jobs`; false when they could not be read (the gauge is left empty). */
  async function fill(): Promise<boolean> {
    if (source === undefined) return true;
    jobs.reset();
    try {
      const counts = await withTimeout(source(), timeoutMs);
      for (const [queue, c] of Object.entries(counts)) {
        for (const state of QUEUE_STATES) jobs.set({ queue: nameLabel(queue), state }, c[state]);
      }
      return true;
    } catch {
      // Stale numbers would look healthy: leave the gauge empty and say so.
      return false;
    }
  }
  const up = new Gauge({
    name: 'acclink_queue_counts_up', help: '1 when this scrape could read the queue counts, else 0', registers: [registry],
    collect: async () => {
      const ok = await (pending ?? fill());
      pending = undefined;
      up.set(ok ? 1 : 0);
    },
  });
}

/**
 * Creates the metrics on a fresh registry.
 * @see https://prometheus.io/docs/practices/histograms/
 */
export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const messagesIn = new Counter({
    name: 'acclink_messages_in_total', help: 'Inbound messages by channel, message type and result',
    labelNames: ['channel', 'type', 'result'] as const, registers: [registry],
  });
  const messagesOut = new Counter({
    name: 'acclink_messages_out_total', help: 'Delivery attempts by destination, message type and outcome',
    labelNames: ['destination', 'type', 'result'] as const, registers: [registry],
  });
  const ackLatency = new Histogram({
    name: 'acclink_ack_latency_seconds', help: 'Time from receiving a message to writing its ACK',
    labelNames: ['channel'] as const, buckets: ACK_BUCKETS_SECONDS, registers: [registry],
  });
  const linkDecisions = new Counter({
    name: 'acclink_link_decisions_total', help: 'Linker decisions by link status',
    labelNames: ['status'] as const, registers: [registry],
  });
  const deliveryFailures = new Counter({
    name: 'acclink_delivery_failures_total', help: 'Failed delivery attempts by destination and outcome',
    labelNames: ['destination', 'outcome'] as const, registers: [registry],
  });
  queueGauges(registry, opts.queueCounts, opts.queueCountsTimeoutMs ?? 2000);

  return {
    registry,
    messageIn: (channel, type, result) => messagesIn.inc({ channel: nameLabel(channel), type: typeLabel(type), result }),
    messageOut: (destination, type, result) => messagesOut.inc({ destination: nameLabel(destination), type: typeLabel(type), result }),
    ackLatencyMs: (channel, latencyMs) => {
      if (Number.isFinite(latencyMs) && latencyMs >= 0) ackLatency.observe({ channel: nameLabel(channel) }, latencyMs / 1000);
    },
    linkDecision: (status) => linkDecisions.inc({ status }),
    deliveryFailure: (destination, outcome) => deliveryFailures.inc({ destination: nameLabel(destination), outcome }),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
