// The console's shell: login, the menu of the pages this token may read, hash routing
// (#/<page>/<params...>), one mounted page at a time.
import * as auth from './auth.js';
import { h, clear } from './dom.js';
import pages from './pages/index.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let unmount = null;

function readable(page) {
  return auth.can(page.role) || auth.roles().has('viewer');
}

function route() {
  const parts = (location.hash.replace(/^#\/?/, '') || '').split('/').filter(Boolean).map(decodeURIComponent);
  const visible = pages.filter(readable);
  const page = visible.find((p) => p.id === parts[0]) || visible[0];
  for (const a of nav.querySelectorAll('a')) {
    if (page && a.dataset.page === page.id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (unmount) {
    try {
      unmount();
    } catch (e) {
      console.error(e);
    }
    unmount = null;
  }
  if (!page) {
    clear(main, h('p', {}, 'Your token carries no role that may read a page of this console.'));
    return;
  }
  document.title = page.title + ' · opsflow';
  clear(main);
  const ctx = {
    params: page.id === parts[0] ? parts.slice(1) : [],
    canAct: auth.can(page.role),
    user: auth.user(),
  };
  main.dataset.page = page.id;
  main.dataset.canAct = String(ctx.canAct);
  unmount = page.mount(main, ctx) || null;
}

function loginScreen(message) {
  clear(nav);
  clear(who);
  clear(main,
    h('section', { class: 'login' },
      h('h1', {}, 'opsflow console'),
      message ? h('p', { class: 'error', role: 'alert' }, message) : null,
      h('p', {}, 'Sessions, builds, workloads and passes, live. Log in with your account at ', h('code', {}, auth.settings()?.issuer || 'the issuer'), '.'),
      h('button', { id: 'login', class: 'primary', onclick: () => auth.login() }, 'Log in')));
}

async function start() {
  let error = null;
  try {
    await auth.init();
  } catch (e) {
    error = e.message;
  }
  if (!auth.loggedIn() || error) {
    loginScreen(error);
    return;
  }
  // Scopes count as roles on the server; the usual OIDC ones say nothing here.
  const roles = [...auth.roles()].filter((r) => !['openid', 'profile', 'email', 'offline_access'].includes(r)).sort();
  clear(nav, pages.filter(readable).map((p) => h('a', { href: '#/' + p.id, 'data-page': p.id }, p.title)));
  clear(who,
    h('span', { id: 'user', title: 'roles: ' + roles.join(', ') }, auth.user()),
    h('span', { class: 'roles' }, roles.join(' ')),
    h('button', { id: 'logout', onclick: () => auth.logout() }, 'Log out'));
  window.addEventListener('hashchange', route);
  route();
}

start();
