// Fleet: tenants and their devices with onboarding status, connectivity (online / degraded /
// offline, rtt, last ping answered, last seen), the latest telemetry (GPS fix, system status) and
// the devices' positions on a plain canvas map. The fleet has no event stream: polled.
// A device's panel adds its flights (from its flight history), a flight's summary and track,
// its incidents and "what happened at T".
// Routes: #/fleet, #/fleet/<device id>, #/fleet/<device id>/flights/<number>
import * as api from '../api.js';
import { h, clear, field, badge, ago, clock, dateTime, temporal, errorBox, act, toast } from '../dom.js';

const TYPES = ['drone', 'pilot_laptop', 'fts'];
const ROLES = ['primary', 'fts'];

/** online / degraded / offline / unknown, coloured (not the workflow badge colours). */
function connectivity(status) {
  const s = String(status || 'unknown').toLowerCase().replace(/[^a-z]/g, '');
  return h('span', { class: 'conn c-' + s }, s);
}

function rtt(ms) {
  return ms === null || ms === undefined ? '–' : ms.toFixed(ms < 10 ? 2 : 1) + ' ms';
}

/** The newest ping answered among the device's endpoints, and the best rtt of those online. */
function best(device) {
  let ping = null;
  let ms = null;
  for (const e of device.endpoints || []) {
    const c = e.connectivity || {};
    if (c.last_ping_success && (!ping || c.last_ping_success > ping)) ping = c.last_ping_success;
    if (c.rtt_ms !== null && c.rtt_ms !== undefined && (ms === null || c.rtt_ms < ms)) ms = c.rtt_ms;
  }
  return { ping, ms };
}

function gpsText(gps) {
  if (!gps || gps.latitude === null || gps.latitude === undefined) return '–';
  const alt = gps.altitude_m === null || gps.altitude_m === undefined ? '' : ` · ${gps.altitude_m.toFixed(1)} m`;
  return `${gps.latitude.toFixed(6)}, ${gps.longitude.toFixed(6)}${alt}`;
}

/** A step of 1, 2 or 5 × 10^n giving about `lines` graticule lines across `span` degrees. */
function niceStep(span, lines) {
  const raw = span / lines;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}

/**
 * Prepares a plain map on the canvas for these points ({lat, lon}): an equirectangular projection
 * (longitude scaled by the cosine of the middle latitude) fitted to their bounding box (at least
 * minSpan degrees) with a margin, and a graticule. Returns the context and the projection
 * {g, x, y}, or null (with `empty` written on the canvas) when there is no point.
 */
function frame(canvas, points, empty, minSpan = 0.01) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 800;
  const height = canvas.clientHeight || 360;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.fillStyle = '#f4f7fb';
  g.fillRect(0, 0, width, height);
  g.font = '12px system-ui, sans-serif';
  if (!points.length) {
    g.fillStyle = '#7b8494';
    g.fillText(empty, 16, 24);
    return null;
  }
  let minLat = Math.min(...points.map((p) => p.lat));
  let maxLat = Math.max(...points.map((p) => p.lat));
  let minLon = Math.min(...points.map((p) => p.lon));
  let maxLon = Math.max(...points.map((p) => p.lon));
  // At least minSpan degrees across (0.01: ~1 km), and a margin of 15 % on each side.
  if (maxLat - minLat < minSpan) { const c = (maxLat + minLat) / 2; minLat = c - minSpan / 2; maxLat = c + minSpan / 2; }
  if (maxLon - minLon < minSpan) { const c = (maxLon + minLon) / 2; minLon = c - minSpan / 2; maxLon = c + minSpan / 2; }
  const mLat = (maxLat - minLat) * 0.15;
  const mLon = (maxLon - minLon) * 0.15;
  minLat -= mLat; maxLat += mLat; minLon -= mLon; maxLon += mLon;
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = (maxLon - minLon) * k;
  const spanY = maxLat - minLat;
  const scale = Math.min(width / spanX, height / spanY);
  const offX = (width - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  const x = (lon) => offX + (lon - minLon) * k * scale;
  const y = (lat) => offY + (maxLat - lat) * scale;
  // Graticule over the whole canvas (the fitted box is centred in it).
  const west = minLon - offX / (k * scale);
  const east = maxLon + offX / (k * scale);
  const north = maxLat + offY / scale;
  const south = minLat - offY / scale;
  const lonStep = niceStep(east - west, 8);
  const latStep = niceStep(north - south, 5);
  const lonDigits = Math.max(0, -Math.floor(Math.log10(lonStep)));
  const latDigits = Math.max(0, -Math.floor(Math.log10(latStep)));
  g.strokeStyle = '#d5dbe5';
  g.lineWidth = 1;
  g.fillStyle = '#8a93a5';
  for (let i = Math.ceil(west / lonStep); i * lonStep <= east; i++) {
    const lon = i * lonStep;
    g.beginPath(); g.moveTo(x(lon), 0); g.lineTo(x(lon), height); g.stroke();
    g.fillText(lon.toFixed(lonDigits) + '°', x(lon) + 3, height - 4);
  }
  for (let i = Math.ceil(south / latStep); i * latStep <= north; i++) {
    const lat = i * latStep;
    g.beginPath(); g.moveTo(0, y(lat)); g.lineTo(width, y(lat)); g.stroke();
    g.fillText(lat.toFixed(latDigits) + '°', 3, y(lat) - 3);
  }
  return { g, x, y };
}

/** A filled dot with a white rim and a label beside it. */
function dot(m, lat, lon, colour, label) {
  const { g, x, y } = m;
  g.beginPath();
  g.arc(x(lon), y(lat), 6, 0, 2 * Math.PI);
  g.fillStyle = colour;
  g.fill();
  g.strokeStyle = '#fff';
  g.lineWidth = 2;
  g.stroke();
  g.fillStyle = '#1d2433';
  g.fillText(label, x(lon) + 9, y(lat) + 4);
}

/** The devices with a GPS fix on the canvas: one dot per device coloured by its connectivity. */
function drawMap(canvas, devices) {
  const points = devices.filter((d) => d.telemetry && d.telemetry.gps && Number.isFinite(d.telemetry.gps.latitude) && Number.isFinite(d.telemetry.gps.longitude))
    .map((d) => ({ name: d.name, status: d.connectivity, lat: d.telemetry.gps.latitude, lon: d.telemetry.gps.longitude }));
  canvas.dataset.points = String(points.length);
  canvas.setAttribute('aria-label', points.length
    ? 'Map of ' + points.map((p) => `${p.name} at ${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}`).join('; ')
    : 'Map: no device has a GPS fix yet');
  const m = frame(canvas, points, 'No device has reported a GPS fix yet.');
  if (!m) return;
  const colours = { online: '#1f8a4c', degraded: '#b86e00', offline: '#c0322b' };
  for (const p of points) dot(m, p.lat, p.lon, colours[p.status] || '#7b8494', p.name);
}

const TRACK = '#1f5fbf';

/** A flight's track ({lat, lon} fixes in time order) as a line from takeoff to landing. */
function drawTrack(canvas, number, points, landed) {
  canvas.dataset.points = String(points.length);
  canvas.setAttribute('aria-label', points.length
    ? `Track of flight ${number}: ${points.length} fixes from ${points[0].lat.toFixed(5)}, ${points[0].lon.toFixed(5)} to ` +
      `${points[points.length - 1].lat.toFixed(5)}, ${points[points.length - 1].lon.toFixed(5)}`
    : `Track of flight ${number}: no position recorded`);
  const m = frame(canvas, points, 'No position recorded in this flight.', 0.002);
  if (!m) return;
  const { g, x, y } = m;
  g.strokeStyle = TRACK;
  g.lineWidth = 2.5;
  g.lineJoin = 'round';
  g.beginPath();
  points.forEach((p, i) => (i ? g.lineTo(x(p.lon), y(p.lat)) : g.moveTo(x(p.lon), y(p.lat))));
  g.stroke();
  const first = points[0];
  const last = points[points.length - 1];
  dot(m, first.lat, first.lon, '#1f8a4c', 'takeoff');
  dot(m, last.lat, last.lon, landed ? '#c0322b' : '#b86e00', landed ? 'landing' : 'latest');
}

/**
 * Makes `children` the children of `parent`, leaving the nodes already in place where they are
 * (a form keeps its focus and what is typed in it while the panel around it is redrawn).
 */
function place(parent, children) {
  const keep = new Set(children);
  for (const c of [...parent.childNodes]) if (!keep.has(c)) c.remove();
  let at = parent.firstChild;
  for (const c of children) {
    if (c === at) at = at.nextSibling;
    else parent.insertBefore(c, at);
  }
}

const num = (v, digits, unit) => (v === null || v === undefined ? '–' : v.toFixed(digits) + unit);

/** Battery used: mAh and the drop of the remaining percentage, as the summary has them. */
function battery(f) {
  const parts = [];
  if (f.battery_used_mah !== null && f.battery_used_mah !== undefined) parts.push(f.battery_used_mah.toFixed(0) + ' mAh');
  if (f.battery_used_percent !== null && f.battery_used_percent !== undefined) parts.push(f.battery_used_percent.toFixed(0) + ' %');
  return parts.join(' · ') || '–';
}

/** An RFC 3339 instant as the value of a UTC datetime-local input (to the second). */
function inputTime(iso) {
  return new Date(iso).toISOString().slice(0, 19);
}

function incidentRows(incidents, deviceId, withFlight) {
  return incidents.map((i) => h('tr', { 'data-incident-id': i.id, 'data-kind': i.kind },
    h('td', { class: 'kind' }, i.kind), h('td', { class: 'severity' }, badge(i.severity)),
    h('td', { class: 'started' }, dateTime(i.started_at)), h('td', { class: 'ended' }, i.ended_at ? dateTime(i.ended_at) : 'open'),
    withFlight ? h('td', { class: 'flight' }, i.flight_number ? h('a', { href: `#/fleet/${deviceId}/flights/${i.flight_number}` }, 'flight ' + i.flight_number) : 'on the ground') : null,
    h('td', { class: 'summary' }, i.summary),
    h('td', { class: 'evidence' }, Object.entries(i.evidence || {}).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' '))));
}

function incidentTable(id, incidents, deviceId, withFlight, caption) {
  return h('table', { id },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, ['Kind', 'Severity', 'Started', 'Ended', withFlight ? 'Flight' : null, 'What', 'Evidence'].filter((x) => x).map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, incidentRows(incidents, deviceId, withFlight)));
}

/**
 * A device's flights section: its flights (newest first) with their figures, the flight of the
 * route with its summary, track and incidents, the device's incidents, and "what happened at T".
 * Everything comes from the device's flight history (`flight-history-<id>` in Temporal). Read-only:
 * the same for a viewer (the question form changes nothing).
 */
function flightPanel(deviceId, number) {
  const workflow = 'flight-history-' + deviceId;
  const list = h('div', { id: 'flight-list-box' });
  const detail = h('div', { id: 'flight-detail', 'aria-live': 'polite' });
  const incidents = h('div', { id: 'incidents-box' });
  const answer = h('div', { id: 'at-answer', 'aria-live': 'polite' });
  const t = h('input', { name: 't', id: 'at-t', type: 'datetime-local', step: '1' });
  const window_ = h('input', { name: 'window', id: 'at-window', type: 'number', min: 1, max: 3600, value: 120 });
  const ask = h('button', { type: 'submit', id: 'at-ask' }, 'Show');
  const form = h('form', { class: 'inline query', id: 'at-form', 'aria-labelledby': 'at-h', 'data-query': 'read-only' },
    field('Time (UTC)', t), field('Window ± seconds', window_), ask, errorBox());
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(form, ask, async () => {
      const at = t.value ? (t.value.length === 16 ? t.value + ':00' : t.value) + 'Z' : '';
      const span = window_.value === '' ? 'PT2M' : `PT${window_.value}S`;
      const a = await api.get(`/api/v1/devices/${deviceId}/at?t=${encodeURIComponent(at)}&window=${encodeURIComponent(span)}`);
      clear(answer, happened(a));
    });
  });
  const el = h('section', { id: 'device-flights', 'aria-labelledby': 'flights-h' },
    h('h3', { id: 'flights-h' }, 'Flights'),
    h('p', { class: 'meta' }, 'classified from the device\'s telemetry by ', temporal(workflow)),
    list, detail,
    h('h3', { id: 'incidents-h' }, 'Incidents'), incidents,
    h('h3', { id: 'at-h' }, 'What happened at T'), form, answer);
  let shown = null; // what the flight detail was drawn from
  let prefilled = false;

  async function refresh() {
    const [fs, is] = await Promise.all([
      api.get(`/api/v1/devices/${deviceId}/flights`), api.get(`/api/v1/devices/${deviceId}/incidents`),
    ]);
    clear(list, fs.length ? h('table', { id: 'flight-list' },
      h('thead', {}, h('tr', {}, ['Flight', 'Start', 'Duration', 'Max altitude', 'Distance', 'Battery used', 'Workflow'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, fs.map((f) => h('tr', { 'data-flight-number': f.number, class: f.number === number ? 'selected' : '' },
        h('td', {}, h('a', { href: `#/fleet/${deviceId}/flights/${f.number}` }, 'Flight ' + f.number), f.landed_at ? '' : ' (in the air)'),
        h('td', { class: 'start' }, dateTime(f.takeoff_at)), h('td', { class: 'duration' }, clock(f.duration_s)),
        h('td', { class: 'altitude' }, num(f.max_altitude_m, 1, ' m')), h('td', { class: 'distance' }, num(f.distance_m, 0, ' m')),
        h('td', { class: 'battery' }, battery(f)), h('td', {}, temporal(workflow)))))) : h('p', {}, 'No flight recorded.'));
    clear(incidents, is.length ? incidentTable('incident-list', is, deviceId, true) : h('p', {}, 'No incident recorded.'));
    // Once: the takeoff of the flight shown (else the newest) as a time to ask about.
    if (!prefilled && fs.length) {
      prefilled = true;
      if (!t.value) t.value = inputTime((fs.find((f) => f.number === number) || fs[0]).takeoff_at);
    }
    if (number === null) return;
    const mine = fs.find((f) => f.number === number);
    const key = JSON.stringify(mine || null) + is.length;
    if (key === shown) return;
    shown = key;
    await showFlight();
  }

  async function showFlight() {
    let f;
    let track;
    try {
      [f, track] = await Promise.all([api.get(`/api/v1/devices/${deviceId}/flights/${number}`), api.get(`/api/v1/devices/${deviceId}/flights/${number}/track`)]);
    } catch (e) {
      clear(detail, h('p', { class: 'error', role: 'alert' }, e.message));
      return;
    }
    const canvas = h('canvas', { id: 'flight-track', class: 'map', role: 'img', 'data-flight-number': number, style: 'width:100%;height:320px;display:block' });
    const facts = [
      ['Armed', dateTime(f.armed_at)], ['Takeoff', dateTime(f.takeoff_at) + (f.takeoff_observed ? '' : ' (already in the air when telemetry began)')],
      ['Landed', f.landed_at ? dateTime(f.landed_at) : 'in the air'], ['Duration', clock(f.duration_s)],
      ['Max altitude above home', num(f.max_altitude_m, 1, ' m')], ['Distance flown', num(f.distance_m, 0, ' m')],
      ['Max distance from home', num(f.max_from_home_m, 0, ' m')], ['Max ground speed', num(f.max_ground_speed_ms, 1, ' m/s')],
      ['Battery used', battery(f)], ['Max temperature', num(f.max_temperature_c, 1, ' °C')],
    ];
    clear(detail, h('h4', { id: 'flight-h' }, 'Flight ', number, ' ', temporal(workflow)),
      h('dl', { class: 'facts', id: 'flight-summary' }, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      h('p', { class: 'meta', id: 'flight-track-meta' }, `${track.points.length} positions from ${track.telemetry_source} telemetry`),
      canvas,
      f.incidents.length ? incidentTable('flight-incidents', f.incidents, deviceId, false, `Incidents of flight ${number}`) : h('p', {}, 'No incident in this flight.'));
    drawTrack(canvas, number, track.points, !!f.landed_at);
  }

  /** The API's answer to "what happened at T", drawn. */
  function happened(a) {
    const at = new Date(a.at).getTime();
    // The state at T: per message type, the newest message at or before T (else the first after).
    const byType = new Map();
    for (const p of a.telemetry) {
      const time = new Date(p.onboard_time || p.received_at).getTime();
      const e = byType.get(p.msg_id) || { count: 0, best: null, time: null };
      e.count++;
      const better = e.best === null || (time <= at ? e.time > at || time >= e.time : e.time > at && time < e.time);
      if (better) { e.best = p; e.time = time; }
      byType.set(p.msg_id, e);
    }
    const types = [...byType.entries()].sort(([x], [y]) => x.localeCompare(y));
    return [
      h('p', { id: 'at-state', 'data-flight-number': a.flight ? a.flight.number : '' }, `At ${dateTime(a.at)} ± ${a.window}: `,
        a.flight ? ['in flight ', h('a', { href: `#/fleet/${deviceId}/flights/${a.flight.number}` }, String(a.flight.number)),
          ` (takeoff ${dateTime(a.flight.takeoff_at)}, ${a.flight.landed_at ? 'landed ' + dateTime(a.flight.landed_at) : 'still in the air'})`] : 'not in a recorded flight',
        ' · ', temporal(workflow)),
      a.incidents.length ? incidentTable('at-incidents', a.incidents, deviceId, true, 'Incidents within the window') : h('p', { id: 'at-no-incident' }, 'No incident within the window.'),
      h('p', { class: 'meta', id: 'at-telemetry-meta', 'data-count': a.telemetry.length, 'data-source': a.telemetry_source },
        `${a.telemetry.length} telemetry messages within the window, from ${a.telemetry_source} storage`),
      types.length ? h('table', { id: 'at-telemetry' },
        h('caption', {}, 'Nearest message of each type'),
        h('thead', {}, h('tr', {}, ['Message', 'In window', 'Nearest at', 'Fields'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, types.map(([type, e]) => h('tr', { 'data-msg-id': type },
          h('td', {}, type), h('td', { class: 'count' }, e.count), h('td', {}, dateTime(e.best.onboard_time || e.best.received_at)),
          h('td', { class: 'fields' }, Object.entries(e.best.fields || {}).map(([k, v]) => `${k}=${v}`).join(' ')))))) : null,
    ];
  }

  return { deviceId, el, refresh };
}

function mount(root, ctx) {
  const summary = h('p', { id: 'fleet-summary', class: 'meta' });
  const canvas = h('canvas', { id: 'fleet-map', class: 'map', role: 'img', style: 'width:100%;height:360px;display:block' });
  const tenants = h('div', { id: 'tenants' });
  const devices = h('div', { id: 'devices' });
  const detail = h('section', { id: 'device-detail', 'aria-live': 'polite' });
  root.append(h('h1', {}, 'Fleet'), summary,
    h('section', { 'aria-labelledby': 'm-h' }, h('h2', { id: 'm-h' }, 'Positions'), canvas),
    h('section', { 'aria-labelledby': 't-h' }, h('h2', { id: 't-h' }, 'Tenants'), tenants),
    h('section', { 'aria-labelledby': 'd-h' }, h('h2', { id: 'd-h' }, 'Devices'), devices), detail);
  const selected = ctx.params[0] || null;
  const selectedFlight = ctx.params[1] === 'flights' && ctx.params[2] ? Number(ctx.params[2]) : null;
  const tenantChoice = h('select', { name: 'tenant_id', id: 'fl-tenant' });
  if (ctx.canAct) root.append(registerForm());
  let fleet = [];

  async function load() {
    const ts = await api.get('/api/v1/tenants');
    const [fleets, registry] = await Promise.all([
      Promise.all(ts.map((t) => api.get('/api/v1/fleet/tenants/' + t.id))), api.get('/api/v1/devices'),
    ]);
    const byId = new Map(registry.map((d) => [d.id, d]));
    fleet = fleets.flatMap((f) => f.devices.map((d) => ({ ...d, pki: byId.get(d.id) || {} })));
    const counts = {};
    for (const d of fleet) counts[d.connectivity] = (counts[d.connectivity] || 0) + 1;
    summary.textContent = `${ts.length} tenants · ${fleet.length} devices · ` +
      (Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'none');
    drawMap(canvas, fleet);
    clear(tenants, ts.length ? h('table', {},
      h('thead', {}, h('tr', {}, ['Tenant', 'Mesh', 'Lighthouse', 'CA valid until', 'Devices', 'Connectivity'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, ts.map((t, i) => h('tr', { 'data-tenant-id': t.id },
        h('td', {}, t.name), h('td', {}, t.mesh_cidr), h('td', {}, `${t.lighthouse_ip || ''} ${t.lighthouse_endpoint || ''}`),
        h('td', {}, dateTime(t.ca_not_after)), h('td', {}, t.devices),
        h('td', {}, Object.entries(fleets[i].connectivity || {}).map(([k, v]) => h('span', {}, connectivity(k), ' ', v, ' '))))))) : h('p', {}, 'No tenants.'));
    clear(devices, fleet.length ? h('table', {},
      h('thead', {}, h('tr', {}, ['Device', 'Tenant', 'Type / role', 'Onboarding', 'Connectivity', 'RTT', 'Last ping answered', 'Last seen', 'Position', 'Last telemetry', 'Workflow'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, fleet.map((d) => {
        const b = best(d);
        return h('tr', { 'data-device-id': d.id, 'data-device-name': d.name, 'data-connectivity': d.connectivity, class: String(d.id) === selected ? 'selected' : '' },
          h('td', {}, h('a', { href: '#/fleet/' + d.id }, d.name), h('br'), h('small', {}, d.pki.ip_address || '')),
          h('td', {}, d.tenant), h('td', {}, `${d.device_type} / ${d.role}`), h('td', { class: 'onboarding' }, badge(d.status)),
          h('td', { class: 'connectivity' }, connectivity(d.connectivity)), h('td', { class: 'rtt' }, rtt(b.ms)),
          h('td', { class: 'age', 'data-at': b.ping || '' }, ago(b.ping)),
          h('td', { class: 'age', 'data-at': d.pki.last_contact_at || '' }, ago(d.pki.last_contact_at)),
          h('td', { class: 'position' }, gpsText(d.telemetry && d.telemetry.gps)),
          h('td', { class: 'age', 'data-at': (d.telemetry && d.telemetry.last_telemetry_at) || '' }, ago(d.telemetry && d.telemetry.last_telemetry_at)),
          h('td', {}, temporal('device-' + d.id)));
      }))) : h('p', {}, 'No devices registered.'));
    updateTenantChoice(ts);
    if (selected) await showDetail(selected);
  }

  function updateTenantChoice(ts) {
    const now = [...tenantChoice.options].map((o) => o.value).join(',');
    if (now === ts.map((t) => String(t.id)).join(',')) return;
    const keep = tenantChoice.value;
    clear(tenantChoice, ts.map((t) => h('option', { value: String(t.id) }, `${t.name} (${t.mesh_cidr})`)));
    if (keep && ts.some((t) => String(t.id) === keep)) tenantChoice.value = keep;
  }

  // The device panel is a list of sections, each drawing from what was read for the device
  // (the fleet view `f`, the registry's view `p`). The flights section is kept across polls (it
  // reads its own routes and holds a form): only what changed is redrawn.
  const sections = [identitySection, endpointsSection, telemetrySection, flightsSection];

  async function showDetail(id) {
    const [f, p] = await Promise.all([api.get('/api/v1/fleet/devices/' + id), api.get('/api/v1/devices/' + id)]);
    place(detail, [h('h2', {}, 'Device ', f.name, ' ', connectivity(f.connectivity)),
      sections.map((s) => s(f, p)).flat(),
      decommission(p)].flat().filter((c) => c));
  }

  // Created once per device shown, refreshed by every poll.
  let flights = null;
  function flightsSection(f) {
    if (!flights || flights.deviceId !== f.id) flights = flightPanel(f.id, selectedFlight);
    flights.refresh().catch((e) => toast(e.message));
    return flights.el;
  }

  // Created once per device shown: the poll redraws the panel without losing what is typed.
  let decommissioning = null;
  function decommission(p) {
    if (!ctx.canAct || p.status === 'decommissioned') return null;
    if (!decommissioning || decommissioning.dataset.deviceId !== String(p.id)) decommissioning = decommissionForm(p);
    return decommissioning;
  }

  function identitySection(f, p) {
    return h('div', { class: 'device-identity' },
      h('p', { class: 'meta' }, `#${f.id} · ${f.tenant} · ${f.device_type} / ${f.role} · ${p.ip_address || 'no address'} · enrollment ${p.enrollment || '–'} · `, badge(f.status), ' · ', temporal('device-' + f.id)),
      h('p', { class: 'meta' }, 'first contact ', f.first_contact ? `${dateTime(f.first_contact.at)} via ${f.first_contact.via}` : 'none yet',
        ' · last seen ', ago(p.last_contact_at), p.contact_source ? ` (${p.contact_source})` : '',
        p.certificate ? ` · certificate ${p.certificate.fingerprint.slice(0, 12)}… until ${dateTime(p.certificate.not_after)}` : ''));
  }

  function endpointsSection(f) {
    return [h('h3', {}, 'Connectivity'), (f.endpoints || []).length ? h('table', { id: 'device-endpoints' },
      h('thead', {}, h('tr', {}, ['Endpoint', 'Address', 'Role', 'Status', 'RTT', 'Last ping answered', 'Last checked', 'Recent probes', 'Failures', 'Note', 'Monitor'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, f.endpoints.map((e) => {
        const c = e.connectivity || {};
        return h('tr', { 'data-endpoint-id': e.id },
          h('td', {}, e.id), h('td', {}, e.ip_address), h('td', {}, e.role), h('td', {}, connectivity(c.status)), h('td', {}, rtt(c.rtt_ms)),
          h('td', {}, ago(c.last_ping_success)), h('td', {}, ago(c.last_checked)), h('td', { class: 'probes' }, (c.recent_probes || '').replace(/1/g, '●').replace(/0/g, '○')),
          h('td', {}, c.consecutive_failures), h('td', {}, e.released_at ? 'released ' + dateTime(e.released_at) : c.stop_reason || c.last_error || ''),
          h('td', {}, c.monitoring ? temporal('connectivity-' + e.id) : 'not monitored'));
      }))) : h('p', {}, 'No endpoint yet.')];
  }

  function telemetrySection(f) {
    const t = f.telemetry;
    if (!t) return [h('h3', {}, 'Telemetry'), h('p', {}, 'No telemetry received yet.')];
    const gps = t.gps;
    const messages = Object.entries((t.system && t.system.messages) || {});
    return [h('h3', {}, 'Telemetry'),
      h('p', { class: 'meta' }, `first ${dateTime(t.first_telemetry_at)} · last ${dateTime(t.last_telemetry_at)} (${ago(t.last_telemetry_at)}) · record ${t.last_record_id}`),
      h('p', {}, 'GPS: ', gpsText(gps), gps ? ` · fix type ${gps.fix_type ?? '–'} · ${gps.satellites_visible ?? '–'} satellites · at ${dateTime(gps.at)}` : ''),
      messages.length ? h('table', {},
        h('caption', {}, 'System status at ' + dateTime(t.system.at)),
        h('thead', {}, h('tr', {}, ['Message', 'Fields'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, messages.map(([name, fields]) => h('tr', {}, h('td', {}, name),
          h('td', {}, Object.entries(fields || {}).map(([k, v]) => `${k}=${v}`).join(' ')))))) : h('p', {}, 'No system status reported.')];
  }

  function decommissionForm(p) {
    const reason = h('input', { name: 'reason', id: 'fl-reason', placeholder: 'why it leaves the fleet' });
    const submit = h('button', { type: 'submit', class: 'danger', id: 'fl-decommission' }, 'Decommission');
    const form = h('form', { class: 'inline', id: 'fl-decommission-form', 'data-device-id': String(p.id) }, field('Reason', reason), submit, errorBox());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(form, submit, async () => {
        const d = await api.post(`/api/v1/devices/${p.id}/decommission`, { reason: reason.value });
        toast(`Device ${d.name} ${d.status}`);
        await load();
      });
    });
    return form;
  }

  function registerForm() {
    const name = h('input', { name: 'name', id: 'fl-name' });
    const type = h('select', { name: 'device_type', id: 'fl-type' }, TYPES.map((t) => h('option', { value: t }, t)));
    const role = h('select', { name: 'role', id: 'fl-role' }, ROLES.map((r) => h('option', { value: r }, r)));
    const key = h('textarea', { name: 'public_key', id: 'fl-key', rows: 3, placeholder: '-----BEGIN NEBULA X25519 PUBLIC KEY----- (optional: without it the installer enrolls with a code)' });
    const submit = h('button', { type: 'submit', class: 'primary', id: 'fl-register' }, 'Register');
    const form = h('form', { class: 'stack', id: 'fl-form', 'aria-labelledby': 'fl-new' }, h('h2', { id: 'fl-new' }, 'Register a device'),
      h('div', { class: 'row' }, field('Tenant', tenantChoice), field('Name', name), field('Type', type), field('Role', role)),
      field('Public key (PEM)', key), submit, errorBox());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(form, submit, async () => {
        const d = await api.post('/api/v1/devices', {
          tenant_id: tenantChoice.value ? Number(tenantChoice.value) : null, name: name.value,
          device_type: type.value, role: role.value, public_key: key.value.trim() || null,
        });
        toast(`Device ${d.name} ${d.status} at ${d.ip_address}`);
        location.hash = '#/fleet/' + d.id;
      });
    });
    return form;
  }

  const poll = setInterval(() => load().catch((e) => toast(e.message)), 3000);
  const ages = setInterval(() => devices.querySelectorAll('td.age').forEach((td) => (td.textContent = ago(td.dataset.at || null))), 1000);
  load().catch((e) => toast(e.message));
  return () => { clearInterval(poll); clearInterval(ages); };
}

export default { id: 'fleet', title: 'Fleet', role: 'pki_admin', mount };
