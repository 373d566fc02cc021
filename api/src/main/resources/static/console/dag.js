// A DAG drawn as SVG with a layered layout computed here: each node's layer is its longest path
// from a source, nodes in a layer ordered by the mean position of their predecessors (a few
// sweeps), edges as curves between layers. Used by CI builds and pass procedures.
import { h } from './dom.js';

const W = 150;
const H = 46;
const GAP_X = 60;
const GAP_Y = 22;
const PAD = 12;

/** Layer index of every node: 0 for sources, else 1 + the deepest predecessor's. */
export function layers(ids, edges) {
  const preds = new Map(ids.map((id) => [id, []]));
  for (const e of edges) if (preds.has(e.to) && preds.has(e.from)) preds.get(e.to).push(e.from);
  const layer = new Map();
  const visiting = new Set();
  const depth = (id) => {
    if (layer.has(id)) return layer.get(id);
    if (visiting.has(id)) return 0; // a cycle: the server refuses them, draw something anyway
    visiting.add(id);
    const d = preds.get(id).reduce((m, p) => Math.max(m, depth(p) + 1), 0);
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  ids.forEach(depth);
  return layer;
}

/** Node positions: {id: {x, y}} and the drawing's size. */
export function layout(ids, edges) {
  const layer = layers(ids, edges);
  const columns = [];
  for (const id of ids) (columns[layer.get(id)] ||= []).push(id);
  const order = new Map();
  columns.forEach((col) => col.forEach((id, i) => order.set(id, i)));
  const preds = new Map(ids.map((id) => [id, []]));
  for (const e of edges) if (preds.has(e.to) && preds.has(e.from)) preds.get(e.to).push(e.from);
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let c = 1; c < columns.length; c++) {
      const col = columns[c] || [];
      const key = (id) => {
        const p = preds.get(id);
        return p.length ? p.reduce((s, x) => s + order.get(x), 0) / p.length : order.get(id);
      };
      col.sort((a, b) => key(a) - key(b));
      col.forEach((id, i) => order.set(id, i));
    }
  }
  const tallest = Math.max(1, ...columns.map((c) => (c ? c.length : 0)));
  const height = PAD * 2 + tallest * H + (tallest - 1) * GAP_Y;
  const pos = {};
  columns.forEach((col, c) => {
    if (!col) return;
    const colHeight = col.length * H + (col.length - 1) * GAP_Y;
    const top = (height - colHeight) / 2;
    col.forEach((id, i) => (pos[id] = { x: PAD + c * (W + GAP_X), y: top + i * (H + GAP_Y) }));
  });
  const width = PAD * 2 + Math.max(1, columns.length) * W + Math.max(0, columns.length - 1) * GAP_X;
  return { pos, width, height };
}

/**
 * Draws into container. nodes: [{id, label, status, sub}], edges: [{from, to, kind}].
 * options: {label (aria), selected, onSelect(id)}. Redrawing with the same nodes and edges only
 * updates states, so focus and selection stay.
 */
export function draw(container, nodes, edges, options = {}) {
  const shape = JSON.stringify([nodes.map((n) => n.id), edges.map((e) => [e.from, e.to, e.kind])]);
  if (container.dataset.shape === shape && container.firstElementChild) {
    for (const n of nodes) {
      const g = container.querySelector(`g.node[data-id="${CSS.escape(n.id)}"]`);
      if (!g) continue;
      update(g, n, options);
    }
    return;
  }
  container.dataset.shape = shape;
  const { pos, width, height } = layout(nodes.map((n) => n.id), edges);
  const svg = h('svg', {
    class: 'dag', viewBox: `0 0 ${width} ${height}`, width, height,
    role: 'group', 'aria-label': options.label || 'graph',
  });
  svg.append(h('defs', {}, ['normal', 'on_failure', 'always'].map((k) =>
    h('marker', { id: 'arrow-' + k, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      h('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow ' + k })))));
  for (const e of edges) {
    const a = pos[e.from];
    const b = pos[e.to];
    if (!a || !b) continue;
    const x1 = a.x + W;
    const y1 = a.y + H / 2;
    const x2 = b.x;
    const y2 = b.y + H / 2;
    const mx = (x1 + x2) / 2;
    const kind = e.kind && e.kind !== 'on_success' ? e.kind : 'normal';
    svg.append(h('path', {
      class: 'edge ' + kind, d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 2},${y2}`,
      'marker-end': `url(#arrow-${kind})`, 'data-from': e.from, 'data-to': e.to,
    }, h('title', {}, `${e.from} → ${e.to}${e.kind ? ' (' + e.kind + ')' : ''}`)));
  }
  for (const n of nodes) {
    const p = pos[n.id];
    const g = h('g', {
      class: 'node', transform: `translate(${p.x},${p.y})`, tabindex: 0, role: 'button', 'data-id': n.id,
    },
    h('rect', { width: W, height: H, rx: 7 }),
    h('text', { x: 10, y: 19, class: 'label' }, clip(n.label || n.id)),
    h('text', { x: 10, y: 36, class: 'sub' }, ''));
    if (options.onSelect) {
      g.addEventListener('click', () => options.onSelect(n.id));
      g.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          options.onSelect(n.id);
        }
      });
    }
    update(g, n, options);
    svg.append(g);
  }
  container.replaceChildren(svg);
}

function update(g, n, options) {
  const status = String(n.status || 'pending').toLowerCase();
  g.setAttribute('class', 'node s-' + status + (options.selected === n.id ? ' selected' : ''));
  g.setAttribute('data-status', status);
  g.setAttribute('aria-label', `${n.label || n.id}: ${status}${n.sub ? ', ' + n.sub : ''}`);
  g.setAttribute('aria-pressed', options.selected === n.id ? 'true' : 'false');
  g.querySelector('text.sub').textContent = clip(status + (n.sub ? ' · ' + n.sub : ''));
}

function clip(s) {
  return s.length > 20 ? s.slice(0, 19) + '…' : s;
}
