// Server-sent events with a bearer token: EventSource cannot send headers, so fetch() streams the
// answer and this parses text/event-stream itself, reconnecting with Last-Event-ID.
import * as auth from './auth.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows path until stop() is called, or until the server sends `endEvent` and closes.
 * handlers: onEvent({id, event, data}), onOpen(), onEnd(), onError(error).
 * Returns stop().
 */
export function follow(path, handlers, endEvent = 'end') {
  const controller = new AbortController();
  let stopped = false;
  let lastId = null;
  let delay = 500;

  async function once() {
    const headers = { Authorization: 'Bearer ' + (await auth.token()), Accept: 'text/event-stream' };
    if (lastId !== null) headers['Last-Event-ID'] = lastId;
    const res = await fetch(path, { headers, signal: controller.signal, cache: 'no-store' });
    if (res.status === 401) {
      auth.rejected();
      throw new Error('token refused');
    }
    if (!res.ok) throw new Error(path + ' answered ' + res.status);
    delay = 500;
    handlers.onOpen && handlers.onOpen();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { id: null, event: 'message', data: [] };
    let ended = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        let line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {
          if (event.data.length || event.event !== 'message') {
            if (event.id !== null) lastId = event.id;
            const e = { id: event.id, event: event.event, data: event.data.join('\n') };
            if (e.event === endEvent) ended = true;
            try {
              handlers.onEvent && handlers.onEvent(e);
            } catch (err) {
              console.error(err);
            }
          }
          event = { id: null, event: 'message', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let v = colon < 0 ? '' : line.slice(colon + 1);
        if (v.startsWith(' ')) v = v.slice(1);
        if (field === 'data') event.data.push(v);
        else if (field === 'event') event.event = v;
        else if (field === 'id') event.id = v;
      }
    }
    return ended;
  }

  (async () => {
    while (!stopped) {
      try {
        if (await once()) {
          stopped = true;
          handlers.onEnd && handlers.onEnd();
          return;
        }
      } catch (e) {
        if (stopped) return;
        handlers.onError && handlers.onError(e);
      }
      if (stopped) return;
      await sleep(delay);
      delay = Math.min(delay * 2, 10_000);
    }
  })();

  return () => {
    stopped = true;
    controller.abort();
  };
}
