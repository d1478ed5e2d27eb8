// The service worker: registers the page scripts on the allowed origins only, and forwards
// call summaries to the agentprobe native host (chrome.runtime.connectNative).
import {allowedOrigins} from './origins.js';

const HOST = 'org.agentprobe.browser';
const MAX_QUEUE = 64;          // summaries kept while the host is unreachable
const RETRY_MS = 5000;         // at most one reconnect attempt per 5 s
const SCRIPTS = ['agentprobe-hook', 'agentprobe-relay'];

let port = null;
let lastAttempt = 0;
const queue = [];

async function register() {
  const {origins, source} = await allowedOrigins();
  await chrome.scripting.unregisterContentScripts({ids: SCRIPTS}).catch(() => {});
  if (origins.length) {
    const common = {matches: origins, runAt: 'document_start', allFrames: true, persistAcrossSessions: true};
    await chrome.scripting.registerContentScripts([
      {...common, id: SCRIPTS[0], js: ['hook.js'], world: 'MAIN'},
      {...common, id: SCRIPTS[1], js: ['relay.js']},
    ]);
  }
  await chrome.storage.session.set({origins, source});
}

function status(text) {
  chrome.storage.session.set({host: text, hostAt: Date.now()}).catch(() => {});
}

function connect() {
  if (port || Date.now() - lastAttempt < RETRY_MS) return port;
  lastAttempt = Date.now();
  port = chrome.runtime.connectNative(HOST);
  port.onMessage.addListener((reply) => {
    status(reply && reply.ok ? 'connected' : `refused: ${reply && reply.error}`);
    if (reply && typeof reply.live === 'number') chrome.storage.session.set({live: reply.live}).catch(() => {});
  });
  port.onDisconnect.addListener(() => {
    status(`disconnected: ${chrome.runtime.lastError ? chrome.runtime.lastError.message : 'host exited'}`);
    port = null;
  });
  port.postMessage({type: 'hello', extension_version: chrome.runtime.getManifest().version});
  return port;
}

function flush() {
  while (queue.length && connect()) {
    try { port.postMessage(queue[0]); queue.shift(); } catch (error) { port = null; return; }
  }
}

chrome.runtime.onMessage.addListener((request, sender) => {
  // Only our own relay, only from a page origin Chrome vouches for (never the page's word).
  if (sender.id !== chrome.runtime.id || !sender.origin || !request || request.kind !== 'call') return;
  const message = {...request.message, origin: sender.origin};
  queue.push(message);
  if (queue.length > MAX_QUEUE) queue.shift();
  flush();
});

// One registration at a time: events can arrive together (install, then a policy push).
let registering = Promise.resolve();
function schedule() {
  registering = registering.then(register).catch((error) => status(`scripts not registered: ${error}`));
  return registering;
}

chrome.runtime.onInstalled.addListener(schedule);
chrome.runtime.onStartup.addListener(schedule);
chrome.storage.onChanged.addListener((changes, area) => {
  if ((area === 'managed' || area === 'local') && changes.origins) schedule();
});
setInterval(flush, RETRY_MS);
