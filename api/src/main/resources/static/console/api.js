// JSON over HTTP with the bearer token; errors in the API's shape become ApiError.
import * as auth from './auth.js';

export class ApiError extends Error {
  constructor(status, body, text) {
    const detail = (body && (body.detail || body.message || body.error)) || text || 'HTTP ' + status;
    super(detail);
    this.status = status;
    this.field = body && body.field;
    this.problems = (body && body.problems) || [];
    this.body = body;
  }
}

export async function call(method, path, body, headers = {}) {
  for (let attempt = 0; ; attempt++) {
    const h = { Authorization: 'Bearer ' + (await auth.token()), Accept: 'application/json', ...headers };
    let payload;
    if (body !== undefined && body !== null) {
      h['Content-Type'] = h['Content-Type'] || 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(path, { method, headers: h, body: payload, cache: 'no-store' });
    if (res.status === 401 && attempt === 0) {
      auth.rejected();
      continue;
    }
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) throw new ApiError(res.status, json, text);
    return json;
  }
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body);
export const put = (path, body) => call('PUT', path, body);
export const patch = (path, body) => call('PATCH', path, body);
export const del = (path) => call('DELETE', path);
