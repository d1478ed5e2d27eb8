// Runs in the softphone page's own JavaScript world at document_start, before its scripts,
// so every RTCPeerConnection the page makes is one we can read getStats() from.
//
// Kept: numeric quality counters of the W3C webrtc-stats dictionaries (inbound-rtp,
// outbound-rtp, remote-inbound-rtp, the selected candidate-pair and its local-candidate,
// the codec's MIME type). Never kept: audio, audioLevel, totalAudioEnergy, addresses,
// ports, TURN URLs, SDP (codec ids embed fmtp lines, so ids are replaced by s0, s1...),
// track or stream ids, the page's URL path or title.
(() => {
  'use strict';
  const TAG = 'agentprobe-webrtc/1';
  const POLL_MS = 1000;       // getStats() about once a second per live connection
  const LIVE_EVERY_MS = 10000; // a summary to the agent every ~10 s while live
  const Native = window.RTCPeerConnection;
  if (typeof Native !== 'function' || Native.__agentprobe) return;

  const FIELDS = {
    'inbound-rtp': ['kind', 'codecId', 'transportId', 'packetsReceived', 'packetsLost', 'jitter',
      'concealedSamples', 'silentConcealedSamples', 'concealmentEvents',
      'insertedSamplesForDeceleration', 'removedSamplesForAcceleration', 'totalSamplesReceived',
      'jitterBufferDelay', 'jitterBufferEmittedCount'],
    'outbound-rtp': ['kind', 'codecId', 'transportId', 'packetsSent', 'retransmittedPacketsSent'],
    'remote-inbound-rtp': ['kind', 'codecId', 'transportId', 'localId', 'packetsLost', 'jitter',
      'fractionLost', 'roundTripTime', 'roundTripTimeMeasurements'],
    'candidate-pair': ['transportId', 'localCandidateId', 'state', 'nominated', 'currentRoundTripTime'],
    'local-candidate': ['transportId', 'candidateType', 'protocol', 'relayProtocol'],
    'transport': ['selectedCandidatePairId'],
    'codec': ['mimeType', 'clockRate', 'channels'],
  };
  const REFS = new Set(['codecId', 'transportId', 'localId', 'localCandidateId', 'selectedCandidatePairId']);
  const STRINGS = new Set(['kind', 'state', 'candidateType', 'protocol', 'relayProtocol', 'mimeType']);
  const getStats = Native.prototype.getStats;
  const close = Native.prototype.close;
  const calls = new Set();
  const byConnection = new WeakMap();  // nothing of ours shows on the page's objects

  // The reports one call needs: audio RTP streams, and what they refer to.
  function wanted(all) {
    const keep = new Map();
    for (const r of all.values()) {
      if (/^(inbound|outbound|remote-inbound)-rtp$/.test(r.type) && r.kind === 'audio') keep.set(r.id, r);
    }
    const add = (id) => { if (id && all.has(id)) keep.set(id, all.get(id)); };
    for (const r of [...keep.values()]) { add(r.codecId); add(r.transportId); }
    for (const r of [...keep.values()]) if (r.type === 'transport') add(r.selectedCandidatePairId);
    for (const r of [...keep.values()]) if (r.type === 'candidate-pair') add(r.localCandidateId);
    return [...keep.values()];
  }

  function reduce(all) {
    const alias = new Map();
    const name = (id) => { if (!alias.has(id)) alias.set(id, `s${alias.size}`); return alias.get(id); };
    return wanted(all).map((r) => {
      const out = {type: r.type, id: name(r.id)};
      for (const key of FIELDS[r.type] || []) {
        const v = r[key];
        if (REFS.has(key)) { if (typeof v === 'string' && all.has(v)) out[key] = name(v); }
        else if (key === 'nominated') { if (typeof v === 'boolean') out[key] = v; }
        else if (STRINGS.has(key)) { if (typeof v === 'string') out[key] = v; }
        else if (Number.isFinite(v)) out[key] = v;
      }
      return out;
    });
  }

  function post(call, state) {
    if (!call.reports) return;
    call.sentAt = Date.now();
    const message = {type: 'call', call_id: call.id, origin: location.origin, state,
      started_at: call.startedAt, at: call.at, reports: call.reports};
    window.postMessage({source: TAG, message}, '*');
  }

  function finish(call, state) {
    if (call.done) return;
    call.done = true;
    calls.delete(call);
    post(call, state);
  }

  function poll(call) {
    getStats.call(call.pc).then((all) => {
      if (call.done) return;
      const reports = reduce(all);
      if (reports.some((r) => r.type.endsWith('-rtp'))) { call.reports = reports; call.at = Date.now(); }
      if (call.reports && Date.now() - call.sentAt >= LIVE_EVERY_MS) post(call, 'live');
    }, () => {});
  }

  function track(pc) {
    const call = {pc, id: crypto.randomUUID(), startedAt: Date.now(), at: Date.now(),
      reports: null, sentAt: Date.now(), done: false};
    calls.add(call);
    byConnection.set(pc, call);
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed') finish(call, 'failed');
      if (pc.connectionState === 'closed') finish(call, 'closed');
    });
  }

  class RTCPeerConnection extends Native {
    constructor(...args) {
      super(...args);
      try { track(this); } catch (error) { /* never break the softphone */ }
    }
  }
  // close() fires no connectionstatechange (W3C webrtc-pc §4.4.1.1): report from the last poll.
  RTCPeerConnection.prototype.close = function (...args) {
    const call = byConnection.get(this);
    if (call) finish(call, 'closed');
    return close.apply(this, args);
  };
  Object.defineProperty(RTCPeerConnection, '__agentprobe', {value: true});
  window.RTCPeerConnection = RTCPeerConnection;
  if (window.webkitRTCPeerConnection) window.webkitRTCPeerConnection = RTCPeerConnection;

  setInterval(() => { for (const call of calls) poll(call); }, POLL_MS);
  window.addEventListener('pagehide', () => { for (const call of [...calls]) finish(call, 'closed'); });
})();
