// Venue: stations with their live session and countdown, start / extend / stop with the server's
// refusals shown inline, card payments waiting for confirmation, the events as they arrive. Live
// from the events stream (reconnected with Last-Event-ID: what was missed meanwhile is replayed).
import * as api from '../api.js';
import { follow } from '../sse.js';
import { h, clear, field, badge, clock, time, temporal, errorBox, act, debounce, toast } from '../dom.js';

const LIVE = ['PENDING', 'AWAITING_PAYMENT', 'ACTIVE'];
const FEED = 100;

function mount(root, ctx) {
  const grid = h('div', { class: 'cards', id: 'stations', 'aria-live': 'off' });
  const payments = h('div', { id: 'payments' });
  const recent = h('div', { id: 'recent' });
  const feed = h('tbody', {});
  const eventTable = h('table', { id: 'live-events' },
    h('caption', {}, 'Newest first, the last ' + FEED + ' received'),
    h('thead', {}, h('tr', {}, ['Event', 'Type', 'Station', 'Session', 'At'].map((x) => h('th', { scope: 'col' }, x)))), feed);
  const status = h('p', { class: 'live', id: 'venue-live' }, 'connecting…');
  root.append(
    h('h1', {}, 'Venue'), status,
    h('section', { 'aria-labelledby': 'st-h' }, h('h2', { id: 'st-h' }, 'Stations'), grid),
    h('section', { 'aria-labelledby': 'pay-h' }, h('h2', { id: 'pay-h' }, 'Payments pending'), payments),
    h('section', { 'aria-labelledby': 'rec-h' }, h('h2', { id: 'rec-h' }, 'Recent sessions'), recent),
    h('section', { 'aria-labelledby': 'ev-h' }, h('h2', { id: 'ev-h' }, 'Live events'), eventTable));

  let users = [];
  let deadlines = new Map(); // session id -> local ms of its scheduled end
  const paymentIds = new Map(); // session id -> payment id

  async function load() {
    const [stations, sessions, people] = await Promise.all([
      api.get('/api/v1/stations'), api.get('/api/v1/sessions?limit=200'), api.get('/api/v1/users'),
    ]);
    users = people;
    const now = Date.now();
    deadlines = new Map();
    for (const s of sessions) {
      if (s.status === 'ACTIVE' && s.remaining_seconds !== null) deadlines.set(s.id, now + s.remaining_seconds * 1000);
    }
    const live = new Map();
    for (const s of sessions) if (LIVE.includes(s.status) && !live.has(s.station_id)) live.set(s.station_id, s);
    drawStations(stations, live);
    await drawPayments(sessions.filter((s) => s.status === 'AWAITING_PAYMENT'));
    drawRecent(sessions.slice(0, 15), stations);
    tick();
  }

  function stateOf(station, session) {
    if (session && session.status === 'ACTIVE') {
      const left = (deadlines.get(session.id) - Date.now()) / 1000;
      return left <= 60 ? 'ending' : 'active';
    }
    if (session) return session.status === 'AWAITING_PAYMENT' ? 'payment' : 'pending';
    if (station.status === 'MAINTENANCE') return 'maintenance';
    // A PC needs its agent; a console is powered through its plug and has none.
    return station.type === 'PC' && station.status === 'OFFLINE' ? 'offline' : 'free';
  }

  function drawStations(stations, live) {
    // A card someone is typing in, or showing a refusal, stays as it is while its session does;
    // one whose request is still out stays until the answer (see cardAct).
    // A card redrawn for a change of its station (its status, the customers) keeps what was typed
    // in the form it had, when the new card has the same form.
    const active = document.activeElement;
    const cards = stations.map((st) => {
      const fresh = card(st, live.get(st.id));
      const old = grid.querySelector(`.card[data-station-id="${st.id}"]`);
      if (old && old.querySelector('form[data-pending]')) return old;
      const busy = old && (old.contains(active) || old.querySelector('.error')?.textContent);
      if (busy && old.dataset.key === fresh.dataset.key) return old;
      if (old) keepTyped(old, fresh);
      return fresh;
    });
    clear(grid, cards.length ? cards : h('p', {}, 'No stations yet.'));
    if (active && active.id && !active.isConnected) document.getElementById(active.id)?.focus();
  }

  /** Copies the values of old's fields into fresh's fields of the same id (options permitting). */
  function keepTyped(old, fresh) {
    for (const from of old.querySelectorAll('input[id], select[id]')) {
      const to = fresh.querySelector(`#${CSS.escape(from.id)}`);
      if (!to || to.tagName !== from.tagName) continue;
      if (to.tagName === 'SELECT' && ![...to.options].some((o) => o.value === from.value)) continue;
      to.value = from.value;
    }
  }

  function card(st, session) {
    const state = stateOf(st, session);
    const head = h('h3', { id: 'st-' + st.id }, st.name, ' ', h('span', { class: 'kind' }, st.type));
    const body = [
      h('p', { class: 'state' }, st.type === 'PC' ? badge(st.status) : null, ' ', h('span', { class: 'word' }, {
        free: 'free', offline: 'offline', maintenance: 'maintenance', active: 'in session', ending: 'ending soon',
        payment: 'awaiting payment', pending: 'starting' }[state])),
    ];
    if (session) {
      body.push(h('p', { class: 'countdown', 'data-session-id': session.id, 'aria-label': 'time left' },
        session.status === 'ACTIVE' ? clock((deadlines.get(session.id) - Date.now()) / 1000) : '–'));
      body.push(h('p', { class: 'meta' }, `session #${session.id} · ${session.payment_method || ''} `,
        session.scheduled_end_at ? 'ends ' + time(session.scheduled_end_at) + ' · ' : '', temporal(session.workflow_id)));
    }
    if (ctx.canAct) body.push(session ? sessionActions(session) : startForm(st));
    const key = [st.status, session ? session.id + session.status + session.scheduled_end_at : '', users.length].join('|');
    return h('article', { class: 'card st-' + state, 'data-station-id': st.id, 'data-state': state, 'data-key': key, 'aria-labelledby': 'st-' + st.id }, head, body);
  }

  /**
   * A station card's action. The live events it causes (a session started, failed, extended) can
   * redraw the cards before the server answers: while the request is out its card is kept, so a
   * refusal shows in the form that asked instead of in one no longer on the page. Then the page
   * is read again.
   */
  async function cardAct(form, button, request) {
    form.dataset.pending = '1';
    try {
      await act(form, button, request);
    } finally {
      delete form.dataset.pending;
    }
    await load();
  }

  function startForm(st) {
    const user = h('select', { name: 'user_id', id: 'start-user-' + st.id },
      users.map((u) => h('option', { value: u.id }, `${u.name} (${u.balance})`)));
    const minutes = h('input', { name: 'duration', id: 'start-minutes-' + st.id, type: 'number', min: 1, max: 1440, value: 30, required: true });
    const method = h('select', { name: 'payment_method', id: 'start-method-' + st.id },
      ['CASH', 'BALANCE', 'CARD'].map((m) => h('option', { value: m }, m)));
    const amount = h('input', { name: 'amount', id: 'start-amount-' + st.id, type: 'number', min: 0, step: '0.01', placeholder: 'from the rate' });
    const button = h('button', { type: 'submit', class: 'primary', id: 'start-' + st.id }, 'Start');
    const form = h('form', { class: 'inline', 'aria-label': 'Start a session on ' + st.name },
      field('Customer', user), field('Minutes', minutes), field('Payment', method), field('Amount', amount), button, errorBox());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const body = { station_id: st.id, duration: Number(minutes.value), user_id: Number(user.value) || null, payment_method: method.value };
      if (amount.value !== '') body.amount = Number(amount.value);
      cardAct(form, button, async () => {
        const s = await api.post('/api/v1/sessions/start', body);
        if (s.payment_id) paymentIds.set(s.id, s.payment_id);
        toast(`Session #${s.id} ${s.status}`);
      });
    });
    return form;
  }

  function sessionActions(session) {
    const minutes = h('input', { name: 'additional_minutes', id: 'extend-minutes-' + session.station_id, type: 'number', min: 1, max: 1440, value: 15 });
    const extend = h('button', { type: 'submit', id: 'extend-' + session.station_id }, 'Extend');
    const stop = h('button', { type: 'button', class: 'danger', id: 'stop-' + session.station_id }, 'Stop');
    const form = h('form', { class: 'inline', 'aria-label': 'Session #' + session.id },
      field('Add minutes', minutes), extend, stop, errorBox());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      cardAct(form, extend, async () => {
        await api.put(`/api/v1/sessions/${session.id}/extend`, { additional_minutes: Number(minutes.value) });
        toast(`Session #${session.id} extended`);
      });
    });
    stop.addEventListener('click', () => cardAct(form, stop, async () => {
      await api.del(`/api/v1/sessions/${session.id}`);
      toast(`Session #${session.id} stopped`);
    }));
    return form;
  }

  async function paymentOf(session) {
    if (paymentIds.has(session.id)) return paymentIds.get(session.id);
    const events = await api.get(`/api/v1/sessions/${session.id}/events`);
    const e = events.find((x) => x.data && x.data.payment_id);
    if (e) paymentIds.set(session.id, Number(e.data.payment_id));
    return paymentIds.get(session.id);
  }

  async function drawPayments(pending) {
    if (!pending.length) {
      clear(payments, h('p', {}, 'None.'));
      return;
    }
    const rows = [];
    for (const s of pending) {
      const pid = await paymentOf(s).catch(() => undefined);
      const cell = h('td', {});
      if (ctx.canAct && pid) {
        const button = h('button', { type: 'button', id: 'confirm-' + pid }, 'Confirm payment');
        const form = h('form', { class: 'inline' }, button, errorBox());
        button.addEventListener('click', () => act(form, button, async () => {
          await api.post(`/api/v1/payments/${pid}/confirm`);
          await load();
        }));
        cell.append(form);
      }
      rows.push(h('tr', { 'data-session-id': s.id, 'data-payment-id': pid || '' }, h('td', {}, '#' + s.id), h('td', {}, 'station ' + s.station_id), h('td', {}, s.amount ?? '–'),
        h('td', {}, pid ? 'payment #' + pid : '–'), h('td', {}, temporal(s.workflow_id)), cell));
    }
    clear(payments, h('table', { id: 'payments-pending' }, h('thead', {}, h('tr', {}, ['Session', 'Station', 'Amount', 'Payment', 'Workflow', ''].map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows)));
  }

  function drawRecent(sessions, stations) {
    const names = new Map(stations.map((s) => [s.id, s.name]));
    clear(recent, h('table', {},
      h('thead', {}, h('tr', {}, ['Session', 'Station', 'Status', 'Minutes', 'Started', 'Ended', 'Reason', 'Workflow'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, sessions.map((s) => h('tr', { 'data-session-id': s.id },
        h('td', {}, '#' + s.id), h('td', {}, names.get(s.station_id) || s.station_id), h('td', {}, badge(s.status)),
        h('td', {}, s.duration_minutes + (s.extended_minutes ? ' + ' + s.extended_minutes : '')),
        h('td', {}, time(s.started_at)), h('td', {}, time(s.actual_end_at)), h('td', {}, s.end_reason || ''),
        h('td', {}, temporal(s.workflow_id)))))));
  }

  /** An event of the stream at the top of the feed, as it arrived (nothing merged or dropped). */
  function received(e) {
    let data = {};
    try {
      data = JSON.parse(e.data);
    } catch {
      data = {};
    }
    feed.prepend(h('tr', { 'data-event-id': e.id, 'data-type': e.event },
      h('td', {}, '#' + e.id), h('td', {}, e.event), h('td', {}, data.station_id ?? '–'),
      h('td', {}, data.session_id ?? '–'), h('td', {}, time(data.created_at))));
    while (feed.rows.length > FEED) feed.lastElementChild.remove();
  }

  function tick() {
    for (const el of grid.querySelectorAll('.countdown[data-session-id]')) {
      const end = deadlines.get(Number(el.dataset.sessionId));
      if (end === undefined) continue;
      const left = (end - Date.now()) / 1000;
      el.textContent = left > 0 ? clock(left) : 'ending…';
      const card = el.closest('.card');
      if (left <= 60 && card.dataset.state === 'active') {
        card.classList.replace('st-active', 'st-ending');
        card.dataset.state = 'ending';
        card.querySelector('.word').textContent = 'ending soon';
      }
    }
  }

  const reload = debounce(() => load().catch((e) => toast(e.message)), 200);
  const timer = setInterval(tick, 1000);
  const stop = follow('/api/v1/events/stream', {
    onOpen: () => { status.textContent = 'live'; reload(); },
    onEvent: (e) => {
      if (e.event !== 'message' || e.data) reload();
      if (e.id !== null) received(e);
    },
    onError: () => (status.textContent = 'reconnecting…'),
  });
  load().catch((e) => toast(e.message));
  return () => { clearInterval(timer); stop(); };
}

export default { id: 'venue', title: 'Venue', role: 'venue_operator', mount };
