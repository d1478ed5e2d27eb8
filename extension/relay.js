// Runs in the extension's isolated world of the same page: takes the summaries hook.js
// posts to this window and hands them to the service worker. Anything else on the
// window's message channel, or from another frame, is ignored; the native host validates
// every field again, because a page can post here too.
(() => {
  'use strict';
  const TAG = 'agentprobe-webrtc/1';
  const MAX_CHARS = 256 * 1024;
  window.addEventListener('message', (event) => {
    if (event.source !== window || !event.data || event.data.source !== TAG) return;
    const message = event.data.message;
    if (!message || typeof message !== 'object') return;
    let size = 0;
    try { size = JSON.stringify(message).length; } catch (error) { return; }
    if (size > MAX_CHARS) return;
    chrome.runtime.sendMessage({kind: 'call', message}).catch(() => {});
  });
})();
