import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type Koa from 'koa';
import type { RequestStats } from '../metrics/request-stats.js';
import type { SolarAnswers } from '../readings/solar-answers.js';
import { PHP_TYPE, phpEndpoints } from './routes/solar-protocol.js';

type Count = (seconds: number) => void;

/**
 * The request handler the node serves: the public PV GETs (the hot path: peers, websites and load
 * tests hit them hardest) are answered straight from the cached data, everything else, and any
 * PV query that fails (a 400/403), goes through the Koa app and its error middleware. `requests`
 * (`/metrics`) counts the fast answers too, under the same route label Koa would give them.
 */
export function createHandler(app: Koa, answers: SolarAnswers, requests?: RequestStats): RequestListener {
  const koa = app.callback();
  const endpoints = phpEndpoints(answers);
  // The fast answers' counters, looked up once per method and endpoint (a few PHP paths).
  const counters = { GET: new Map<string, Count>(), HEAD: new Map<string, Count>() };
  const counter = (method: 'GET' | 'HEAD', path: string, stats: RequestStats) => {
    let count = counters[method].get(path);
    if (count === undefined) {
      count = stats.recorder(method, path, 200);
      counters[method].set(path, count);
    }
    return count;
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      const url = req.url ?? '/';
      const mark = url.indexOf('?');
      const path = mark === -1 ? url : url.slice(0, mark);
      const answer = endpoints.get(path);
      if (answer !== undefined) {
        const started = requests && performance.now();
        let body: string | Buffer;
        try {
          body = answer(mark === -1 ? '' : url.slice(mark + 1));
        } catch {
          return koa(req, res);
        }
        res.writeHead(200, {
          'Content-Type': PHP_TYPE,
          'Content-Length': Buffer.byteLength(body),
          'Access-Control-Allow-Origin': '*',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
        if (requests !== undefined && started !== undefined) {
          counter(req.method, path, requests)((performance.now() - started) / 1000);
        }
        return;
      }
    }
    return koa(req, res);
  };
}
