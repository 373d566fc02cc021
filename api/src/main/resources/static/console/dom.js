// Small DOM helpers shared by the pages.
import * as auth from './auth.js';

/** h('button', {class: 'x', onclick: f}, 'text', child...) */
export function h(tag, attrs = {}, ...children) {
  const svg = ['svg', 'g', 'rect', 'path', 'text', 'line', 'defs', 'marker', 'title', 'circle'].includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', v);
    else if (k === 'text') el.textContent = v;
    else if (k in el && !svg && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

let seq = 0;
export function uid(prefix) {
  return prefix + '-' + ++seq;
}

/** A labelled form control. */
export function field(label, control) {
  if (!control.id) control.id = uid('f');
  return h('label', { class: 'field', for: control.id }, h('span', {}, label), control);
}

export function time(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

export function dateTime(iso) {
  if (!iso) return '–';
  return new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** 75 -> "1:15", 3725 -> "1:02:05" */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export function ago(iso) {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s ago';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min ago';
}

export function badge(status) {
  const s = String(status || 'unknown');
  return h('span', { class: 'badge s-' + s.toLowerCase().replace(/[^a-z_]/g, '') }, s);
}

/** A link to the workflow in the Temporal UI. */
export function temporal(workflowId) {
  const c = auth.settings();
  const href = `${c.temporal_ui}/namespaces/${encodeURIComponent(c.temporal_namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return h('a', { class: 'temporal', href, target: '_blank', rel: 'noopener', title: 'Workflow ' + workflowId + ' in the Temporal UI' }, workflowId);
}

/** Where a form shows what the server refused, next to the field it names. */
export function showError(form, error) {
  const box = form.querySelector('.error');
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  if (!error) {
    if (box) box.textContent = '';
    return;
  }
  let text = error.message;
  if (error.problems && error.problems.length > 1) {
    text += ': ' + error.problems.map((p) => (p.line ? `line ${p.line}: ` : '') + (p.message || JSON.stringify(p))).join('; ');
  }
  if (error.field) {
    text = error.field + ': ' + text.replace(new RegExp('^' + error.field + ':\\s*'), '');
    const bad = form.querySelector(`[name="${error.field}"]`);
    if (bad) {
      bad.setAttribute('aria-invalid', 'true');
      if (box) bad.setAttribute('aria-describedby', box.id);
    }
  }
  if (box) box.textContent = text;
}

export function errorBox() {
  return h('p', { class: 'error', role: 'alert', id: uid('err') });
}

/** Runs an action from a form or button, shows the server's refusal inline, re-enables it. */
export async function act(form, button, action) {
  if (button) button.disabled = true;
  showError(form, null);
  try {
    return await action();
  } catch (e) {
    showError(form, e);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.textContent = ''), 4000);
}

/** Calls f at most once per `ms`, the last call winning. */
export function debounce(f, ms = 250) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => f(...args), ms);
  };
}

export function table(headers, rows, caption) {
  return h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows));
}
