// Passes: a timeline of the passes of each ground station, and one pass live: its procedure graph
// with every node's state, the live operations (pause / resume / stop / restart / cancel, skip,
// unskip, re-run, retry / go / stop on a failed action, confirm, override, add node and link),
// TM/TC packets and events as they happen.
// Routes: #/passes, #/passes/<id>
import * as api from '../api.js';
import { follow } from '../sse.js';
import { draw } from '../dag.js';
import { h, clear, field, badge, time, dateTime, temporal, errorBox, act, debounce, toast, uid } from '../dom.js';

const ENDED = ['success', 'failure', 'cancelled'];

function mount(root, ctx) {
  if (ctx.params[0]) return passPage(root, ctx, Number(ctx.params[0]));
  return timelinePage(root);
}

function timelinePage(root) {
  const box = h('div', { id: 'timeline' });
  const list = h('div', { id: 'pass-list' });
  root.append(h('h1', {}, 'Passes'),
    h('section', { 'aria-labelledby': 'tl-h' }, h('h2', { id: 'tl-h' }, 'Timeline per ground station'), box),
    h('section', { 'aria-labelledby': 'pl-h' }, h('h2', { id: 'pl-h' }, 'Passes'), list));
  async function load() {
    const from = new Date(Date.now() - 6 * 3600_000).toISOString();
    const [stations, passes] = await Promise.all([api.get('/api/v1/ground-stations'), api.get('/api/v1/passes?limit=500&from=' + from)]);
    timeline(box, stations, passes);
    clear(list, passes.length ? h('table', {},
      h('thead', {}, h('tr', {}, ['Pass', 'Satellite', 'Ground station', 'AOS', 'LOS', 'Status', 'Phase', 'Workflow'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, passes.map((p) => h('tr', { 'data-pass-id': p.id },
        h('td', {}, h('a', { href: '#/passes/' + p.id }, '#' + p.id)), h('td', {}, p.satellite), h('td', {}, p.ground_station),
        h('td', {}, dateTime(p.aos)), h('td', {}, dateTime(p.los)), h('td', {}, badge(p.status)), h('td', {}, p.phase || ''),
        h('td', {}, temporal('pass-' + p.id)))))) : h('p', {}, 'No passes in the last 6 hours or ahead.'));
  }
  const poll = setInterval(() => load().catch((e) => toast(e.message)), 5000);
  load().catch((e) => toast(e.message));
  return () => clearInterval(poll);
}

/** One row per ground station, each pass a bar from AOS to LOS, a line at now. */
function timeline(box, stations, passes) {
  const now = Date.now();
  const times = passes.flatMap((p) => [Date.parse(p.aos), Date.parse(p.los)]);
  const t0 = Math.min(now - 3600_000, ...times);
  const t1 = Math.max(now + 3 * 3600_000, ...times);
  const LEFT = 130;
  const WIDTH = 900;
  const ROW = 30;
  const x = (t) => LEFT + ((t - t0) / (t1 - t0)) * (WIDTH - LEFT - 10);
  const height = 30 + stations.length * ROW;
  const svg = h('svg', { class: 'timeline', viewBox: `0 0 ${WIDTH} ${height}`, width: WIDTH, height, role: 'group', 'aria-label': 'passes by ground station over time' });
  const step = niceStep((t1 - t0) / 8);
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    svg.append(h('line', { x1: x(t), x2: x(t), y1: 14, y2: height, class: 'tick' }),
      h('text', { x: x(t) + 2, y: 11, class: 'tick-label' }, new Date(t).toISOString().slice(11, 16) + 'Z'));
  }
  stations.forEach((gs, i) => {
    const y = 20 + i * ROW;
    svg.append(h('text', { x: 4, y: y + 16, class: 'gs' }, gs.name));
    for (const p of passes.filter((q) => q.ground_station_id === gs.id)) {
      const x1 = x(Date.parse(p.aos));
      const w = Math.max(4, x(Date.parse(p.los)) - x1);
      // An SVG link (h() makes HTML ones): focusable, Enter opens the pass.
      const a = document.createElementNS('http://www.w3.org/2000/svg', 'a');
      a.setAttribute('href', '#/passes/' + p.id);
      a.setAttribute('aria-label', `pass ${p.id} ${p.satellite} ${p.status}, AOS ${dateTime(p.aos)}`);
      a.append(h('rect', { x: x1, y: y + 2, width: w, height: ROW - 8, rx: 3, class: 'bar s-' + p.status }),
        h('text', { x: x1 + 3, y: y + 16, class: 'bar-label' }, p.satellite),
        h('title', {}, `#${p.id} ${p.satellite} ${p.status} ${dateTime(p.aos)} – ${dateTime(p.los)}`));
      svg.append(a);
    }
  });
  svg.append(h('line', { x1: x(now), x2: x(now), y1: 14, y2: height, class: 'now' }));
  clear(box, stations.length ? svg : h('p', {}, 'No ground stations yet.'));
}

/** Parameters as the operator wrote them: the ones a node type does not use are null. */
function dropNulls(key, value) {
  return value === null ? undefined : value;
}

function niceStep(ms) {
  const steps = [60_000, 300_000, 900_000, 1800_000, 3600_000, 7200_000, 21600_000, 43200_000, 86400_000];
  return steps.find((s) => s >= ms) || 86400_000;
}

function passPage(root, ctx, id) {
  const head = h('div', { id: 'pass-head' });
  const controls = h('form', { class: 'inline', 'aria-label': 'Pass operations' }, errorBox());
  const graph = h('div', { class: 'dag-box', id: 'pass-graph' });
  const nodePanel = h('section', { id: 'node-panel', 'aria-live': 'polite' });
  const edit = h('div', { id: 'graph-edit' });
  const events = h('tbody', {});
  const packets = h('tbody', {});
  const live = h('p', { class: 'live', id: 'pass-live' }, 'connecting…');
  root.append(h('p', {}, h('a', { href: '#/passes' }, '← Passes')), head, live, controls, graph, nodePanel, edit,
    h('div', { class: 'two' },
      h('section', { 'aria-labelledby': 'ev-h' }, h('h2', { id: 'ev-h' }, 'Events'),
        h('div', { class: 'scroll' }, h('table', { id: 'pass-events' }, h('thead', {}, h('tr', {}, ['Time', 'Type', 'Node', 'Operator', 'Detail'].map((x) => h('th', { scope: 'col' }, x)))), events))),
      h('section', { 'aria-labelledby': 'pk-h' }, h('h2', { id: 'pk-h' }, 'TM / TC packets'),
        h('div', { class: 'scroll' }, h('table', { id: 'pass-packets' }, h('thead', {}, h('tr', {}, ['Ground time', 'Dir', 'APID', 'Seq', 'Decoded', 'Raw'].map((x) => h('th', { scope: 'col' }, x)))), packets)))));

  let state = null;
  let selected = null;

  async function load() {
    const [pass, s] = await Promise.all([api.get('/api/v1/passes/' + id), api.get(`/api/v1/passes/${id}/state`)]);
    state = s;
    clear(head, h('h1', {}, `Pass #${pass.id} ${pass.satellite} `, badge(s.status)),
      h('p', { class: 'meta' }, `${pass.ground_station} · AOS ${dateTime(pass.aos)} · LOS ${dateTime(pass.los)} · phase ${s.phase || '–'}`,
        s.run ? ` · run ${s.run}` : '', s.paused ? ' · paused' : '', ' · ', temporal('pass-' + pass.id)),
      s.failure_reason ? h('p', { class: 'error' }, s.failure_reason) : null);
    head.dataset.status = s.status;
    head.dataset.phase = s.phase || '';
    const byId = new Map((s.nodes || []).map((n) => [n.node_id, n]));
    const nodes = (s.procedure?.nodes || []).map((n) => {
      const st = byId.get(n.id);
      return { id: n.id, label: n.id, status: st ? st.status : 'pending', sub: n.type };
    });
    const edges = (s.procedure?.links || []).map((l) => ({ from: l.from, to: l.to, kind: l.condition || 'on_success' }));
    draw(graph, nodes, edges, { label: 'procedure of pass ' + id, selected, onSelect: (n) => { selected = n; load(); } });
    drawControls(s);
    drawNode(s, byId);
    if (ctx.canAct && !edit.firstChild && !ENDED.includes(s.status)) edit.append(addNodeForm(), addLinkForm());
    if (ENDED.includes(s.status)) clear(edit);
  }

  function operation(form, label, idName, run, cls) {
    const b = h('button', { type: 'button', id: idName, class: cls || '' }, label);
    b.addEventListener('click', () => act(form, b, async () => { await run(); await load(); }));
    return b;
  }

  function drawControls(s) {
    if (!ctx.canAct) return;
    const box = errorBox();
    const over = ENDED.includes(s.status);
    const buttons = over ? [] : [
      s.paused ? operation(controls, 'Resume', 'pass-resume', () => api.post(`/api/v1/passes/${id}/resume`))
        : operation(controls, 'Pause', 'pass-pause', () => api.post(`/api/v1/passes/${id}/pause`)),
      operation(controls, 'Stop procedure', 'pass-stop', () => api.post(`/api/v1/passes/${id}/stop`)),
      operation(controls, 'Restart procedure', 'pass-restart', () => api.post(`/api/v1/passes/${id}/restart`)),
      operation(controls, 'Cancel pass', 'pass-cancel', () => api.del(`/api/v1/passes/${id}?reason=${encodeURIComponent('cancelled from the console')}`), 'danger'),
    ];
    const old = controls.querySelector('.error');
    clear(controls, buttons, old || box);
  }

  function drawNode(s, byId) {
    if (!selected) {
      nodePanel.dataset.key = '';
      clear(nodePanel, h('p', { class: 'hint' }, 'Select a node of the graph (click, or Tab and Enter) to operate on it.'));
      return;
    }
    const spec = (s.procedure?.nodes || []).find((n) => n.id === selected);
    if (!spec) { selected = null; return drawNode(s, byId); }
    const st = byId.get(selected) || {};
    // Redrawn only when the node changed, so what an operator types stays.
    const key = JSON.stringify([selected, s.status, st, spec.parameters]);
    if (nodePanel.dataset.key === key) return;
    nodePanel.dataset.key = key;
    const form = h('form', { class: 'stack', 'aria-label': 'Node ' + selected });
    const branch = h('input', { type: 'checkbox', id: 'node-branch', name: 'branch' });
    const q = () => (branch.checked ? '?branch=true' : '');
    const base = `/api/v1/passes/${id}/nodes/${encodeURIComponent(selected)}`;
    const parts = [
      h('h2', {}, 'Node ', selected, ' ', badge(st.status || 'pending')),
      h('p', { class: 'meta' }, `${spec.type} · runs ${st.runs ?? 0}` + (st.skip_requested ? ' · skip requested' : '') + (st.detail ? ' · ' + st.detail : '')),
      h('pre', { class: 'params' }, JSON.stringify(spec.parameters, dropNulls, 1)),
    ];
    if (ctx.canAct && !ENDED.includes(s.status)) {
      const row = h('div', { class: 'row' },
        operation(form, 'Skip', 'node-skip', () => api.post(base + '/skip' + q())),
        operation(form, 'Unskip', 'node-unskip', () => api.post(base + '/unskip' + q())),
        operation(form, 'Re-run', 'node-rerun', () => api.post(base + '/rerun' + q())),
        field('with everything after it', branch),
        operation(form, 'Remove', 'node-remove', () => api.del(base), 'danger'));
      parts.push(row);
      if (st.status === 'awaiting_decision') {
        parts.push(h('div', { class: 'row', role: 'group', 'aria-label': 'Decision on the failed action' },
          ['retry', 'go', 'stop'].map((d) => operation(form, d[0].toUpperCase() + d.slice(1), 'decide-' + d, () => api.post(base + '/decision', { decision: d })))));
      }
      if (st.status === 'awaiting_confirmation') {
        const comment = h('input', { name: 'comment', id: 'confirm-comment' });
        parts.push(h('div', { class: 'row' }, field('Comment', comment),
          operation(form, 'Confirm', 'confirm-yes', () => api.post(base + '/confirm', { confirmed: true, comment: comment.value })),
          operation(form, 'Refuse', 'confirm-no', () => api.post(base + '/confirm', { confirmed: false, comment: comment.value }), 'danger')));
      }
      const params = h('textarea', { name: 'parameters', id: 'override-params', rows: 4, spellcheck: 'false' }, JSON.stringify(spec.parameters, dropNulls));
      parts.push(field('Override parameters (JSON)', params),
        operation(form, 'Override', 'node-override', () => api.patch(base, parseJson(params.value, 'parameters'))));
    }
    parts.push(errorBox());
    clear(nodePanel, form);
    form.append(...parts);
  }

  function addNodeForm() {
    const nid = h('input', { name: 'node.id', id: 'add-node-id', required: true });
    const type = h('select', { name: 'node.type', id: 'add-node-type' },
      ['delay', 'send_telecommand', 'wait_telemetry', 'check_parameter', 'operator_confirm'].map((t) => h('option', { value: t }, t)));
    const params = h('textarea', { name: 'node.parameters', id: 'add-node-params', rows: 2, spellcheck: 'false' }, '{"duration_seconds": 1}');
    const after = h('input', { name: 'links', id: 'add-node-after', placeholder: 'node id (optional)' });
    const cond = condition('add-node-cond');
    const b = h('button', { type: 'submit', id: 'add-node' }, 'Add node');
    const form = h('form', { class: 'stack', 'aria-labelledby': uid('an') });
    form.append(h('h3', { id: form.getAttribute('aria-labelledby') }, 'Add a node'),
      h('div', { class: 'row' }, field('Id', nid), field('Type', type), field('After', after), field('When', cond)),
      field('Parameters (JSON)', params), b, errorBox());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(form, b, async () => {
        const links = after.value.trim() ? [{ from: after.value.trim(), to: nid.value, condition: cond.value }] : [];
        await api.post(`/api/v1/passes/${id}/nodes`, { node: { id: nid.value, type: type.value, parameters: parseJson(params.value, 'node.parameters') }, links });
        await load();
      });
    });
    return form;
  }

  function addLinkForm() {
    const from = h('input', { name: 'from', id: 'link-from', required: true });
    const to = h('input', { name: 'to', id: 'link-to', required: true });
    const cond = condition('link-cond');
    const b = h('button', { type: 'submit', id: 'add-link' }, 'Add link');
    const form = h('form', { class: 'stack', 'aria-label': 'Add a link' }, h('h3', {}, 'Add a link'),
      h('div', { class: 'row' }, field('From', from), field('To', to), field('When', cond), b), errorBox());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(form, b, async () => { await api.post(`/api/v1/passes/${id}/links`, { from: from.value, to: to.value, condition: cond.value }); await load(); });
    });
    return form;
  }

  function condition(cid) {
    return h('select', { name: 'condition', id: cid }, ['on_success', 'on_failure', 'always'].map((c) => h('option', { value: c }, c)));
  }

  function parseJson(text, name) {
    try {
      return JSON.parse(text);
    } catch (e) {
      const err = new Error('not JSON: ' + e.message);
      err.field = name;
      throw err;
    }
  }

  function addEvent(e) {
    events.prepend(h('tr', { 'data-id': e.id, 'data-type': e.type, 'data-node': e.node_id || '' },
      h('td', {}, time(e.at)), h('td', {}, e.type), h('td', {}, e.node_id || ''), h('td', {}, e.operator || ''),
      h('td', { class: 'detail' }, summary(e.detail))));
  }

  function addPacket(p) {
    packets.prepend(h('tr', { class: 'pk-' + p.direction, 'data-id': p.id, 'data-direction': p.direction },
      h('td', {}, time(p.ground_time)), h('td', {}, p.direction.toUpperCase()), h('td', {}, p.apid), h('td', {}, p.sequence_count),
      h('td', { class: 'detail' }, summary(p.decoded)), h('td', { class: 'raw' }, h('code', {}, p.raw))));
  }

  function summary(obj) {
    if (!obj) return '';
    return Object.entries(obj).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ');
  }

  const reload = debounce(() => load().catch((e) => toast(e.message)), 200);
  const stop = follow(`/api/v1/passes/${id}/stream`, {
    onOpen: () => (live.textContent = 'live'),
    onEvent: (e) => {
      if (e.event === 'pass-event') { addEvent(JSON.parse(e.data)); reload(); }
      else if (e.event === 'packet') addPacket(JSON.parse(e.data));
    },
    onEnd: () => { live.textContent = 'pass over: everything it recorded is shown'; reload(); },
    onError: () => (live.textContent = 'reconnecting…'),
  });
  // Node states also change without an event of their own (a timer, a verifier): a slow poll.
  const poll = setInterval(() => { if (!state || !(ENDED.includes(state.status) && state.phase === 'done')) reload(); }, 2000);
  load().catch((e) => toast(e.message));
  return () => { stop(); clearInterval(poll); };
}

export default { id: 'passes', title: 'Passes', role: 'pass_operator', mount };
