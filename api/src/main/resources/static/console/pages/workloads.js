// Workloads: nodes with offered and free capacity and their heartbeat's age, workloads with their
// status, logs and events, schedule / retry / delete. The scheduler has no event stream: polled.
// Routes: #/workloads, #/workloads/<workload id>
import * as api from '../api.js';
import { h, clear, field, badge, ago, dateTime, temporal, errorBox, act, toast } from '../dom.js';

const ENDED = ['Exited', 'Failed', 'Missing', 'Removed', 'Lost'];

function meter(free, total, unit) {
  const used = Math.max(0, total - free);
  return h('span', { class: 'meter-cell' },
    h('meter', { min: 0, max: total || 1, value: used, 'aria-label': `${used} of ${total} ${unit} used` }),
    ` ${free} / ${total} ${unit} free`);
}

function mount(root, ctx) {
  const summary = h('p', { id: 'cluster', class: 'meta' });
  const nodes = h('div', { id: 'nodes' });
  const workloads = h('div', { id: 'workloads' });
  const detail = h('section', { id: 'workload-detail', 'aria-live': 'polite' });
  root.append(h('h1', {}, 'Workloads'), summary,
    h('section', { 'aria-labelledby': 'n-h' }, h('h2', { id: 'n-h' }, 'Nodes'), nodes),
    h('section', { 'aria-labelledby': 'w-h' }, h('h2', { id: 'w-h' }, 'Workloads'), workloads), detail);
  if (ctx.canAct) root.append(scheduleForm());
  let selected = ctx.params[0] || null;
  let nodeRows = [];

  async function load() {
    const [metrics, ns, ws] = await Promise.all([
      api.get('/api/v1/cluster/metrics'), api.get('/api/v1/nodes'), api.get('/api/v1/workloads'),
    ]);
    nodeRows = ns;
    summary.textContent = `nodes ${fmt(metrics.nodes_by_status)} · workloads ${fmt(metrics.workloads_by_status)} · free ${metrics.free_cpu} of ${metrics.available_cpu} CPU, ${metrics.free_memory} of ${metrics.available_memory} MiB`;
    clear(nodes, ns.length ? h('table', {},
      h('thead', {}, h('tr', {}, ['Node', 'Status', 'Address', 'CPU', 'Memory', 'Workloads', 'Heartbeat', 'Workflow'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, ns.map((n) => h('tr', { 'data-node-id': n.node_id },
        h('td', {}, n.node_id), h('td', {}, badge(n.status)), h('td', {}, `${n.hostname || ''} ${n.ip_address || ''}`),
        h('td', {}, meter(n.free_cpu, n.available_cpu, 'CPU')), h('td', {}, meter(n.free_memory, n.available_memory, 'MiB')),
        h('td', {}, n.workloads), h('td', { class: 'age', 'data-at': n.last_heartbeat_at || '' }, ago(n.last_heartbeat_at)),
        h('td', {}, temporal('node-' + n.node_id)))))) : h('p', {}, 'No nodes registered.'));
    clear(workloads, ws.length ? h('table', {},
      h('thead', {}, h('tr', {}, ['Workload', 'Status', 'Image', 'Node', 'CPU / MiB', 'Restarts', 'Revision', 'Updated', 'Workflow', ''].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, ws.map((w) => h('tr', { 'data-workload-id': w.id, class: w.id === selected ? 'selected' : '' },
        h('td', {}, h('a', { href: '#/workloads/' + w.id }, w.name), h('br'), h('small', {}, w.id.slice(0, 8))),
        h('td', {}, badge(w.status)), h('td', {}, w.image), h('td', {}, w.node_id || '–'), h('td', {}, `${w.cpu} / ${w.memory}`),
        h('td', {}, w.restarts), h('td', {}, w.revision), h('td', {}, dateTime(w.updated_at)), h('td', {}, temporal('workload-' + w.id)),
        h('td', {}, ctx.canAct ? actions(w) : ''))))) : h('p', {}, 'No workloads.'));
    if (selected) await showDetail(selected);
  }

  function fmt(map) {
    return Object.entries(map || {}).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  }

  function actions(w) {
    const form = h('form', { class: 'inline' }, errorBox());
    if (ENDED.includes(w.status) && w.status !== 'Removed') {
      const retry = h('button', { type: 'button', id: 'retry-' + w.id }, 'Retry');
      retry.addEventListener('click', () => act(form, retry, async () => { await api.post(`/api/v1/workloads/${w.id}/retry`); await load(); }));
      form.prepend(retry);
    }
    if (w.status !== 'Removed') {
      const del = h('button', { type: 'button', class: 'danger', id: 'delete-' + w.id }, 'Delete');
      del.addEventListener('click', () => act(form, del, async () => { await api.del(`/api/v1/workloads/${w.id}`); await load(); }));
      form.prepend(del);
    }
    return form;
  }

  async function showDetail(id) {
    const [w, events] = await Promise.all([api.get('/api/v1/workloads/' + id), api.get(`/api/v1/workloads/${id}/events`)]);
    clear(detail, h('h2', {}, 'Workload ', w.name, ' ', badge(w.status)),
      h('p', { class: 'meta' }, `${w.id} · node ${w.node_id || '–'} · ${w.restart_policy} · exit ${w.exit_code ?? '–'} · `, temporal('workload-' + w.id)),
      w.message ? h('p', {}, w.message) : null,
      h('h3', {}, 'Logs'), h('pre', { class: 'log', tabindex: 0 }, w.logs || '(none yet)'),
      h('h3', {}, 'Events'),
      h('table', {}, h('thead', {}, h('tr', {}, ['Time', 'Revision', 'Status', 'Node', 'Message'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, events.map((e) => h('tr', {}, h('td', {}, dateTime(e.created_at)), h('td', {}, e.revision), h('td', {}, badge(e.status)), h('td', {}, e.node_id || ''), h('td', {}, e.message || ''))))));
  }

  function scheduleForm() {
    const name = h('input', { name: 'name', id: 'wl-name', required: true });
    const image = h('input', { name: 'image', id: 'wl-image', required: true, value: 'opsflow/busybox:local' });
    const command = h('input', { name: 'command', id: 'wl-command', placeholder: 'sh -c "echo up; sleep 3600"' });
    const cpu = h('input', { name: 'cpu', id: 'wl-cpu', type: 'number', step: '0.1', min: 0, value: 0.5 });
    const memory = h('input', { name: 'memory', id: 'wl-memory', type: 'number', min: 1, value: 256 });
    const policy = h('select', { name: 'restartPolicy', id: 'wl-policy' }, ['never', 'on-failure:3', 'always'].map((p) => h('option', { value: p }, p)));
    const env = h('textarea', { name: 'envVars', id: 'wl-env', rows: 2, placeholder: 'QUEUE=default' });
    const submit = h('button', { type: 'submit', class: 'primary', id: 'wl-schedule' }, 'Schedule');
    const form = h('form', { class: 'stack', 'aria-labelledby': 'wl-new' }, h('h2', { id: 'wl-new' }, 'Schedule a workload'),
      h('div', { class: 'row' }, field('Name', name), field('Image', image), field('Command', command)),
      h('div', { class: 'row' }, field('CPU', cpu), field('Memory (MiB)', memory), field('Restart policy', policy)),
      field('Environment (KEY=VALUE per line)', env), submit, errorBox());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const envVars = {};
      for (const line of env.value.split('\n')) {
        const i = line.indexOf('=');
        if (i > 0) envVars[line.slice(0, i).trim()] = line.slice(i + 1);
      }
      act(form, submit, async () => {
        const s = await api.post('/api/v1/workloads/schedule', {
          name: name.value, type: 'docker-container', image: image.value, command: command.value || null,
          envVars, cpu: Number(cpu.value), memory: Number(memory.value), restartPolicy: policy.value,
        });
        toast(`Workload ${s.workload_id} ${s.status} on ${s.node_id || 'no node yet'}`);
        location.hash = '#/workloads/' + s.workload_id;
      });
    });
    return form;
  }

  const poll = setInterval(() => load().catch((e) => toast(e.message)), 3000);
  const ages = setInterval(() => nodes.querySelectorAll('td.age').forEach((td) => (td.textContent = ago(td.dataset.at || null))), 1000);
  load().catch((e) => toast(e.message));
  return () => { clearInterval(poll); clearInterval(ages); void nodeRows; };
}

export default { id: 'workloads', title: 'Workloads', role: 'scheduler_operator', mount };
