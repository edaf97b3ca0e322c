/**
 * A webhook receiver on 127.0.0.1: records every POST body and answers with the next status of
 * `statuses` (then 200). With `hold`, answers wait until `release()`, so a test can see what is in
 * flight.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { ExecutionContext } from 'ava';

export interface WebhookReceiver {
  url: string;
  bodies: Record<string, unknown>[];
  /** Requests received and not yet answered. */
  waiting(): number;
  /** Answers every held request (and stops holding). */
  release(): void;
}

export async function webhookReceiver(
  t: ExecutionContext,
  options: { statuses?: number[]; hold?: boolean; path?: string } = {},
): Promise<WebhookReceiver> {
  const statuses = [...(options.statuses ?? [])];
  const held: ServerResponse[] = [];
  let hold = options.hold ?? false;
  const bodies: Record<string, unknown>[] = [];
  const answer = (res: ServerResponse) => {
    res.writeHead(statuses.shift() ?? 200, { 'Content-Type': 'text/plain' });
    res.end('ok');
  };
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      if (hold) held.push(res);
      else answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}${options.path ?? '/hook'}`,
    bodies,
    waiting: () => held.length,
    release() {
      hold = false;
      for (const res of held.splice(0)) answer(res);
    },
  };
}
