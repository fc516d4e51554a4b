import type { DeliveryAckCode, DeliveryResult } from '../../model/sink.ts';
import { sinkContract } from './contract.ts';
import { createMemorySink } from './memory.ts';
import { createMllpSink } from './mllp.ts';
import { startRisPeer } from './ris-peer.ts';

const MEMORY_ANSWERS: Readonly<Record<DeliveryAckCode, DeliveryResult>> = {
  AA: { outcome: 'delivered', detail: 'AA (memory)', ackCode: 'AA' },
  AE: { outcome: 'retry', detail: 'AE (memory): ERR 207', ackCode: 'AE' },
  AR: { outcome: 'dead', detail: 'AR (memory): ERR 204', ackCode: 'AR' },
};

sinkContract('memory', (ledger) => {
  const received: string[] = [];
  let code: DeliveryAckCode = 'AA';
  const sink = createMemorySink({
    ledger,
    respond: (m) => {
      received.push(m.body);
      return MEMORY_ANSWERS[code];
    },
  });
  return Promise.resolve({
    sink,
    received: () => received,
    answer: (c) => { code = c; },
    close: () => Promise.resolve(),
  });
});

sinkContract('mllp (RIS peer)', async (ledger) => {
  const peer = await startRisPeer();
  const sink = createMllpSink({ host: '127.0.0.1', port: peer.port, timeoutMs: 5000, ledger });
  return { sink, received: () => peer.received, answer: (c) => peer.answer(c), close: () => peer.close() };
});
