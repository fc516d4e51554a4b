/**
 * The engine's JSON API for people and scripts (behind the bearer authentication of the HTTP app):
 * undo a correction, re-queue a dead-lettered delivery, read the review queue and a correction's audit
 * trail. Decisions go through `src/engine/decisions.ts`, the same path as the console's. The actor
 * recorded in the audit trail is the id of the token the caller authenticated with (never the token).
 * Errors are RFC 9457 problem documents carrying the core's stable error code.
 * @see RFC 9457 "Problem Details for HTTP APIs"
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { tokenIdOf } from '../channels/http/auth.ts';
import { retryDelivery, undoCorrection, type DecisionDeps } from '../engine/decisions.ts';
import { AcclinkError, ErrorCode, isAcclinkError } from '../model/errors.ts';

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.NotFound]: 404,
  [ErrorCode.DecisionConflict]: 409,
  [ErrorCode.Usage]: 400,
};

async function problem(reply: FastifyReply, e: unknown): Promise<FastifyReply> {
  if (!isAcclinkError(e)) throw e;
  const status = STATUS[e.code] ?? 500;
  return reply.code(status).type('application/problem+json').send({ type: 'about:blank', title: e.code, status, code: e.code, detail: e.message });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : undefined;
}

/** Registers `/api/*` on an app whose authentication hook already runs for every route. */
export function registerApiRoutes(app: FastifyInstance, deps: DecisionDeps): void {
  const actor = (req: Parameters<typeof tokenIdOf>[0]): string => `token:${tokenIdOf(req) ?? 'unknown'}`;

  app.post<{ Params: { id: string } }>('/api/corrections/:id/undo', async (req, reply) => {
    try {
      const { reverse } = await undoCorrection(deps, { correctionId: req.params.id, actor: actor(req) });
      return await reply.code(202).send({ correctionId: req.params.id, reverse: reverse.id, from: reverse.from, to: reverse.to });
    } catch (e) {
      return problem(reply, e);
    }
  });

  app.post<{ Body: unknown }>('/api/deliveries/retry', async (req, reply) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    const [correctionId, destination] = [str(body.correctionId), str(body.destination)];
    if (!correctionId || !destination) return problem(reply, new AcclinkError(ErrorCode.Usage, 'correctionId and destination are required'));
    try {
      await retryDelivery(deps, { correctionId, destination, actor: actor(req) });
      return await reply.code(202).send({ correctionId, destination, queued: true });
    } catch (e) {
      return problem(reply, e);
    }
  });

  app.get<{ Querystring: { state?: string } }>('/api/review', async (req) => {
    const state = (['open', 'deferred', 'resolved'] as const).find((s) => s === req.query.state) ?? 'open';
    return { state, items: await deps.store.listReviewItems({ state: state }) };
  });

  app.get<{ Params: { id: string } }>('/api/corrections/:id/audit', async (req) => ({
    correctionId: req.params.id, entries: await deps.store.listAudit({ correctionId: req.params.id }),
  }));
}
