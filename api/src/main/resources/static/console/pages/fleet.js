// Fleet: tenants and their devices with onboarding status, connectivity (online / degraded /
// offline, rtt, last ping answered, last seen), the latest telemetry (GPS fix, system status) and
// the devices' positions on a plain canvas map. The fleet has no event stream: polled.
// Routes: #/fleet, #/fleet/<device id>
import * as api from '../api.js';
import { h, clear, field, badge, ago, dateTime, temporal, errorBox, act, toast } from '../dom.js';

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
 * Draws the devices with a GPS fix on the canvas: an equirectangular projection (longitude scaled
 * by the cosine of the middle latitude) fitted to their bounding box with a margin, a graticule,
 * one dot per device coloured by its connectivity and its name beside it.
 */
function drawMap(canvas, devices) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 800;
  const height = canvas.clientHeight || 360;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.fillStyle = '#f4f7fb';
  g.fillRect(0, 0, width, height);
  const points = devices.filter((d) => d.telemetry && d.telemetry.gps && Number.isFinite(d.telemetry.gps.latitude) && Number.isFinite(d.telemetry.gps.longitude))
    .map((d) => ({ name: d.name, status: d.connectivity, lat: d.telemetry.gps.latitude, lon: d.telemetry.gps.longitude }));
  canvas.dataset.points = String(points.length);
  canvas.setAttribute('aria-label', points.length
    ? 'Map of ' + points.map((p) => `${p.name} at ${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}`).join('; ')
    : 'Map: no device has a GPS fix yet');
  g.font = '12px system-ui, sans-serif';
  if (!points.length) {
    g.fillStyle = '#7b8494';
    g.fillText('No device has reported a GPS fix yet.', 16, 24);
    return;
  }
  let minLat = Math.min(...points.map((p) => p.lat));
  let maxLat = Math.max(...points.map((p) => p.lat));
  let minLon = Math.min(...points.map((p) => p.lon));
  let maxLon = Math.max(...points.map((p) => p.lon));
  // At least ~1 km across, and a margin of 15 % on each side.
  const minSpan = 0.01;
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
  const colours = { online: '#1f8a4c', degraded: '#b86e00', offline: '#c0322b' };
  for (const p of points) {
    g.beginPath();
    g.arc(x(p.lon), y(p.lat), 6, 0, 2 * Math.PI);
    g.fillStyle = colours[p.status] || '#7b8494';
    g.fill();
    g.strokeStyle = '#fff';
    g.lineWidth = 2;
    g.stroke();
    g.fillStyle = '#1d2433';
    g.fillText(p.name, x(p.lon) + 9, y(p.lat) + 4);
  }
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
  // (the fleet view `f`, the registry's view `p`); a section for its flights goes here too.
  const sections = [identitySection, endpointsSection, telemetrySection];

  async function showDetail(id) {
    const [f, p] = await Promise.all([api.get('/api/v1/fleet/devices/' + id), api.get('/api/v1/devices/' + id)]);
    clear(detail, h('h2', {}, 'Device ', f.name, ' ', connectivity(f.connectivity)),
      sections.map((s) => s(f, p)).flat(),
      decommission(p));
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
