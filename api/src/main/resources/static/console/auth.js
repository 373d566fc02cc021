// Login through the OIDC issuer the server names (/console/config.json): authorization code with
// PKCE for the public client, tokens kept in sessionStorage (this tab only), refreshed when the
// issuer gave a refresh token, else the authorization is asked again (at once while the issuer's
// login session lasts), logout at the issuer's end-session endpoint.

const TOKENS = 'opsflow.console.tokens';
const PENDING = 'opsflow.console.pkce';
const CALLBACK = '/console/callback';

let config;
let discovery;
let tokens = read(TOKENS);
let refreshing = null;

function read(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key)) || null;
  } catch {
    return null;
  }
}

function b64url(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random() {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function challengeOf(verifier) {
  return b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
}

function redirectUri() {
  return location.origin + CALLBACK;
}

function claimsOf(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(
      [...atob(part)].map((c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    return JSON.parse(json);
  } catch {
    return {};
  }
}

function keep(answer) {
  const now = Date.now();
  tokens = {
    access_token: answer.access_token,
    id_token: answer.id_token || tokens?.id_token || null,
    refresh_token: answer.refresh_token || null,
    expires_at: now + (answer.expires_in || 300) * 1000,
    obtained_at: now,
  };
  sessionStorage.setItem(TOKENS, JSON.stringify(tokens));
}

/** Loads the configuration and the issuer's endpoints; redeems a code on the callback URI. */
export async function init() {
  config = await (await fetch('/console/config.json', { cache: 'no-store' })).json();
  // The embedded issuer accepts any port on 127.0.0.1 (RFC 8252), not on "localhost".
  if (config.embedded_issuer && location.hostname === 'localhost') {
    location.replace(location.href.replace('//localhost', '//127.0.0.1'));
    return new Promise(() => {});
  }
  const res = await fetch(config.issuer + '/.well-known/openid-configuration');
  if (!res.ok) throw new Error('the issuer ' + config.issuer + ' answered ' + res.status);
  discovery = await res.json();
  if (location.pathname === CALLBACK) await redeem();
  return config;
}

async function redeem() {
  const query = new URLSearchParams(location.search);
  const pending = read(PENDING);
  sessionStorage.removeItem(PENDING);
  const back = (pending && pending.back) || '#/';
  history.replaceState(null, '', '/' + back);
  if (query.get('error')) {
    throw new Error('login refused: ' + query.get('error') + ' ' + (query.get('error_description') || ''));
  }
  if (!pending || pending.state !== query.get('state')) {
    throw new Error('login answer without a matching request (state); log in again');
  }
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: query.get('code'),
    redirect_uri: redirectUri(),
    client_id: config.client_id,
    code_verifier: pending.verifier,
  });
  const res = await fetch(discovery.token_endpoint, { method: 'POST', body });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error('token request refused: ' + (answer.error || res.status));
  keep(answer);
}

let leaving = null;

/**
 * Sends the browser to the issuer; it comes back to the callback URI and then to where it was.
 * Once only: the calls of a page that all find the token expired share one redirect, so the state
 * kept for the answer is the one the issuer is sent.
 */
export function login() {
  leaving =
    leaving ||
    redirect().catch((e) => {
      leaving = null;
      throw e;
    });
  return leaving;
}

async function redirect() {
  const verifier = random();
  const state = random();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, back: location.hash || '#/' }));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: config.client_id,
    redirect_uri: redirectUri(),
    scope: config.scope,
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  });
  location.assign(discovery.authorization_endpoint + '?' + params);
  return new Promise(() => {});
}

async function refresh() {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: tokens.refresh_token,
    client_id: config.client_id,
  });
  const res = await fetch(discovery.token_endpoint, { method: 'POST', body });
  if (!res.ok) return false;
  keep(await res.json());
  return true;
}

/** A valid access token: refreshed or asked again when it is about to expire. */
export async function token() {
  if (tokens && tokens.expires_at - 20_000 > Date.now()) return tokens.access_token;
  if (tokens && tokens.refresh_token) {
    refreshing = refreshing || refresh().finally(() => (refreshing = null));
    if (await refreshing) return tokens.access_token;
  }
  // A token refused as soon as it was issued would be refused again: no login loop.
  if (tokens && tokens.refused && Date.now() - tokens.obtained_at < 15_000) {
    throw new Error('the API refuses the tokens of ' + config.issuer + ' (401): check its issuer and audience settings');
  }
  return login();
}

/** The server said 401: the token is no good any more. */
export function rejected() {
  if (tokens) {
    tokens.expires_at = 0;
    tokens.refused = true;
  }
}

export function loggedIn() {
  return !!tokens;
}

export function claims() {
  return tokens ? claimsOf(tokens.access_token) : {};
}

/** The token's roles, read where the server reads them (TokenRoles). */
export function roles() {
  const c = claims();
  const out = new Set();
  const add = (v) => Array.isArray(v) && v.forEach((r) => out.add(String(r).trim()));
  add(c.realm_access && c.realm_access.roles);
  for (const client of config.role_clients || []) {
    add(c.resource_access && c.resource_access[client] && c.resource_access[client].roles);
  }
  add(c.roles);
  for (const claim of ['scope', 'scp']) {
    if (typeof c[claim] === 'string') add(c[claim].split(' '));
    else add(c[claim]);
  }
  out.delete('');
  return out;
}

/** Whether the token carries the role (admin carries every role). */
export function can(role) {
  const r = roles();
  return r.has('admin') || r.has(role);
}

export function user() {
  const c = claims();
  return c.preferred_username || c.sub || '';
}

export function settings() {
  return config;
}

/** Forgets the tokens here and ends the login session at the issuer. */
export function logout() {
  const idToken = tokens && tokens.id_token;
  tokens = null;
  sessionStorage.removeItem(TOKENS);
  const end = discovery && discovery.end_session_endpoint;
  if (!end || !idToken) {
    location.assign('/');
    return;
  }
  const params = new URLSearchParams({ id_token_hint: idToken, client_id: config.client_id });
  // Keycloak sends the browser back here; the embedded issuer goes to "/" by itself.
  if (!config.embedded_issuer) params.set('post_logout_redirect_uri', location.origin + '/');
  location.assign(end + '?' + params);
}
