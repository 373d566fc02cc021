// CI: pipelines (create with the server's validation shown), their builds, and a build's DAG with
// live job states, a job's log followed live, cancel and re-run.
// Routes: #/ci, #/ci/pipeline/<id>, #/ci/build/<id>[/<job>]
import * as api from '../api.js';
import { follow } from '../sse.js';
import { draw } from '../dag.js';
import { h, clear, field, badge, dateTime, temporal, errorBox, act, debounce, toast } from '../dom.js';

const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

function mount(root, ctx) {
  const [kind, id, job] = ctx.params;
  if (kind === 'build' && id) return buildPage(root, ctx, Number(id), job);
  if (kind === 'pipeline' && id) return pipelinePage(root, ctx, Number(id));
  return pipelinesPage(root, ctx);
}

function startButton(ctx, pipelineId, form) {
  if (!ctx.canAct) return null;
  const b = h('button', { type: 'button', class: 'primary', id: 'start-build-' + pipelineId }, 'Start build');
  b.addEventListener('click', () => act(form, b, async () => {
    const build = await api.post(`/api/v1/pipelines/${pipelineId}/builds`);
    location.hash = '#/ci/build/' + build.id;
  }));
  return b;
}

function pipelinesPage(root, ctx) {
  const list = h('div', { id: 'pipelines' });
  root.append(h('h1', {}, 'CI'), h('section', { 'aria-labelledby': 'pl-h' }, h('h2', { id: 'pl-h' }, 'Pipelines'), list));
  if (ctx.canAct) root.append(createForm());
  async function load() {
    const pipelines = await api.get('/api/v1/pipelines');
    clear(list, pipelines.length ? h('table', {},
      h('thead', {}, h('tr', {}, ['Pipeline', 'Version', 'Jobs', 'Created by', 'Members', ''].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, pipelines.map((p) => {
        const form = h('form', { class: 'inline' }, errorBox());
        const start = startButton(ctx, p.id, form);
        if (start) form.prepend(start);
        return h('tr', { 'data-pipeline-id': p.id },
          h('td', {}, h('a', { href: '#/ci/pipeline/' + p.id }, p.name)), h('td', {}, p.version),
          h('td', {}, (p.dag?.jobs || []).length), h('td', {}, p.created_by), h('td', {}, (p.members || []).join(', ')),
          h('td', {}, ctx.canAct ? form : ''));
      }))) : h('p', {}, 'No pipelines yet.'));
  }
  function createForm() {
    const name = h('input', { name: 'name', id: 'pl-name', required: true });
    const members = h('input', { name: 'members', id: 'pl-members', placeholder: 'bob, carol' });
    const yaml = h('textarea', { name: 'yaml', id: 'pl-yaml', rows: 10, spellcheck: 'false', placeholder: 'jobs:\n  build:\n    steps:\n      - run: echo hello' });
    const validate = h('button', { type: 'button', id: 'pl-validate' }, 'Validate');
    const create = h('button', { type: 'submit', class: 'primary', id: 'pl-create' }, 'Create');
    const preview = h('div', { class: 'dag-box', id: 'pl-preview' });
    const form = h('form', { class: 'stack', id: 'pl-form', 'aria-labelledby': 'new-pl' }, h('h2', { id: 'new-pl' }, 'New pipeline'),
      field('Name', name), field('Members (may start builds)', members), field('Workflow YAML', yaml), h('div', { class: 'row' }, validate, create), errorBox(), preview);
    validate.addEventListener('click', () => act(form, validate, async () => {
      const dag = await api.post('/api/v1/pipelines/validate', { yaml: yaml.value });
      drawPipeline(preview, dag);
    }));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(form, create, async () => {
        const p = await api.post('/api/v1/pipelines', {
          name: name.value, yaml: yaml.value, members: members.value.split(',').map((m) => m.trim()).filter(Boolean),
        });
        location.hash = '#/ci/pipeline/' + p.id;
      });
    });
    return form;
  }
  load().catch((e) => toast(e.message));
  return null;
}

function drawPipeline(box, dag) {
  const nodes = (dag.jobs || []).map((j) => ({ id: j.id, label: j.name || j.id, status: 'pending' }));
  const edges = (dag.edges || []).map(([from, to]) => ({ from, to }));
  draw(box, nodes, edges, { label: 'jobs of ' + (dag.name || 'the pipeline') });
}

function pipelinePage(root, ctx, id) {
  const head = h('div', {});
  const dagBox = h('div', { class: 'dag-box', id: 'pipeline-dag' });
  const builds = h('div', { id: 'builds' });
  const form = h('form', { class: 'inline' }, errorBox());
  root.append(h('p', {}, h('a', { href: '#/ci' }, '← Pipelines')), head, dagBox, form,
    h('section', { 'aria-labelledby': 'b-h' }, h('h2', { id: 'b-h' }, 'Builds'), builds));
  async function load() {
    const [p, list] = await Promise.all([api.get('/api/v1/pipelines/' + id), api.get(`/api/v1/pipelines/${id}/builds`)]);
    clear(head, h('h1', {}, p.name), h('p', { class: 'meta' }, `version ${p.version} · created by ${p.created_by}` + (p.members?.length ? ' · members ' + p.members.join(', ') : '')));
    drawPipeline(dagBox, p.dag || {});
    const start = startButton(ctx, id, form);
    if (start && !form.querySelector('button')) form.prepend(start);
    clear(builds, list.length ? h('table', {},
      h('thead', {}, h('tr', {}, ['Build', 'Status', 'Triggered by', 'Runner', 'Created', 'Finished', 'Workflow'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, list.map((b) => h('tr', { 'data-build-id': b.id },
        h('td', {}, h('a', { href: '#/ci/build/' + b.id }, `#${b.number} (build ${b.id})`)), h('td', {}, badge(b.status)),
        h('td', {}, b.triggered_by), h('td', {}, b.runner), h('td', {}, dateTime(b.created_at)), h('td', {}, dateTime(b.finished_at)),
        h('td', {}, temporal('build-' + b.id)))))) : h('p', {}, 'No builds yet.'));
  }
  const reload = debounce(() => load().catch((e) => toast(e.message)), 300);
  const stop = follow('/api/v1/events/stream', { onEvent: (e) => { if (e.event === 'build_status') reload(); } });
  load().catch((e) => toast(e.message));
  return stop;
}

function buildPage(root, ctx, id, initialJob) {
  const head = h('div', { id: 'build-head' });
  const controls = h('form', { class: 'inline', 'aria-label': 'Build actions' }, errorBox());
  const dagBox = h('div', { class: 'dag-box', id: 'build-dag' });
  const jobs = h('div', { id: 'jobs' });
  const logHead = h('h2', { id: 'log-h' }, 'Log');
  const log = h('pre', { id: 'log', class: 'log', tabindex: 0, 'aria-labelledby': 'log-h', 'aria-live': 'off' });
  const live = h('p', { class: 'live', id: 'build-live' }, 'connecting…');
  root.append(h('p', {}, h('a', { href: '#/ci' }, '← Pipelines')), head, live, controls, dagBox, jobs,
    h('section', { class: 'log-box' }, logHead, log));

  let build = null;
  let selected = initialJob || null;
  let stopLog = null;

  if (ctx.canAct) {
    const cancel = h('button', { type: 'button', class: 'danger', id: 'cancel-build' }, 'Cancel');
    const rerun = h('button', { type: 'button', id: 'rerun-build' }, 'Re-run');
    cancel.addEventListener('click', () => act(controls, cancel, async () => {
      await api.post(`/api/v1/builds/${id}/cancel`, { reason: 'cancelled from the console by ' + ctx.user });
      await load();
    }));
    rerun.addEventListener('click', () => act(controls, rerun, async () => {
      const b = await api.post(`/api/v1/builds/${id}/rerun`);
      location.hash = '#/ci/build/' + b.id;
    }));
    controls.prepend(cancel, rerun);
  }

  function select(job) {
    selected = job;
    history.replaceState(null, '', `#/ci/build/${id}/${encodeURIComponent(job)}`);
    render();
    followLog(job);
  }

  function followLog(job) {
    if (stopLog) stopLog();
    logHead.textContent = 'Log of ' + job;
    log.textContent = '';
    log.dataset.status = 'following';
    stopLog = follow(`/api/v1/builds/${id}/jobs/${encodeURIComponent(job)}/logs`, {
      onEvent: (e) => {
        if (e.event === 'line') log.append(e.data + '\n');
        else if (e.event === 'attempt') log.append(`── attempt ${JSON.parse(e.data).attempt} ──\n`);
        else if (e.event === 'end') {
          const end = JSON.parse(e.data);
          log.append(`── ${end.status} (attempt ${end.attempt}) ──\n`);
          log.dataset.status = end.status;
        }
        log.scrollTop = log.scrollHeight;
      },
    });
  }

  function render() {
    if (!build) return;
    clear(head, h('h1', {}, `Build #${build.number} `, badge(build.status)),
      h('p', { class: 'meta' }, h('a', { href: '#/ci/pipeline/' + build.pipeline_id }, 'pipeline ' + build.pipeline_id),
        ` · build ${build.id} · ${build.runner} · by ${build.triggered_by}` + (build.rerun_of ? ` · re-run of ${build.rerun_of}` : '') + ' · ',
        temporal('build-' + build.id), build.message ? ' · ' + build.message : ''));
    dagBox.dataset.status = build.status;
    const nodes = build.jobs.map((j) => ({ id: j.id, label: j.name || j.id, status: j.status, sub: j.attempt > 1 ? 'attempt ' + j.attempt : '' }));
    const edges = build.jobs.flatMap((j) => (j.needs || []).map((n) => ({ from: n, to: j.id })));
    draw(dagBox, nodes, edges, { label: 'jobs of build ' + build.id, selected, onSelect: select });
    const finished = FINISHED.includes(build.status);
    controls.querySelector('#cancel-build')?.toggleAttribute('disabled', finished);
    clear(jobs, h('table', {},
      h('thead', {}, h('tr', {}, ['Job', 'Status', 'Attempt', 'Exit', 'Started', 'Finished', 'Message'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, build.jobs.map((j) => h('tr', { 'data-job': j.id },
        h('td', {}, h('a', { href: `#/ci/build/${id}/${encodeURIComponent(j.id)}`, onclick: (ev) => { ev.preventDefault(); select(j.id); } }, j.id)),
        h('td', {}, badge(j.status)),
        h('td', {}, j.attempt), h('td', {}, j.exit_code ?? ''), h('td', {}, dateTime(j.started_at)), h('td', {}, dateTime(j.finished_at)),
        h('td', {}, j.reused_from_build ? 'reused from build ' + j.reused_from_build : j.message || ''))))));
  }

  async function load() {
    build = await api.get('/api/v1/builds/' + id);
    render();
    if (!selected && build.jobs.length) select(build.jobs[0].id);
  }

  const reload = debounce(() => load().catch((e) => toast(e.message)), 150);
  const stop = follow(`/api/v1/events/stream?build_id=${id}`, {
    onOpen: () => { live.textContent = 'live'; reload(); },
    onEvent: () => reload(),
    onError: () => (live.textContent = 'reconnecting…'),
  });
  load().then(() => selected && !stopLog && followLog(selected)).catch((e) => toast(e.message));
  return () => { stop(); if (stopLog) stopLog(); };
}

export default { id: 'ci', title: 'CI', role: 'ci_user', mount };
