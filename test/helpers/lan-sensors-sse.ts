/**
 * A Server-Sent Events client over a real HTTP connection: collects events as they come and lets a
 * test wait for the next one of a name.
 */
import { get, type IncomingMessage } from 'node:http';
import { until } from './until.js';

export interface SseEvent {
  event: string;
  data: unknown;
}

export interface EventStream {
  response: IncomingMessage;
  events: SseEvent[];
  /** Lines starting with ":" (heartbeats) and `retry:` values seen. */
  comments: string[];
  retry: number | undefined;
  /** Waits for an event of `name` after the first `after` events, and returns it. */
  next(name: string, after?: number): Promise<SseEvent>;
  ended: Promise<void>;
  close(): void;
}

/** Opens `url`; resolves once the response headers are in (whatever the status). */
export function openEventStream(url: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const request = get(url, (response) => {
      const stream: EventStream = {
        response,
        events: [],
        comments: [],
        retry: undefined,
        async next(name, after = 0) {
          return until(`an SSE "${name}" event`, () =>
            stream.events.slice(after).find((e) => e.event === name),
          );
        },
        ended: new Promise((done) => response.once('close', () => done())),
        close: () => request.destroy(),
      };
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        buffer += text;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data: string | undefined;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) stream.comments.push(line);
            else if (line.startsWith('retry: ')) stream.retry = Number(line.slice(7));
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data = line.slice(6);
          }
          if (data !== undefined) stream.events.push({ event, data: JSON.parse(data) });
        }
      });
      response.on('error', () => {});
      resolve(stream);
    });
    request.on('error', reject);
  });
}
