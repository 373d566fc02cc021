// The console's pages, in menu order. A page is a module exporting {id, title, role, mount}:
// `role` is the one that may act on it (admin and viewer may open every page; viewers only read),
// mount(element, ctx) draws it and returns a function that stops whatever it follows.
// Adding a page is one import and one line here.
import venue from './venue.js';
import ci from './ci.js';
import workloads from './workloads.js';
import passes from './passes.js';
import fleet from './fleet.js';

export default [venue, ci, workloads, passes, fleet];
