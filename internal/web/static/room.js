'use strict';
// The room page: consent first, then record the room with MediaRecorder
// (Opus), keep every piece in IndexedDB until the server has it, and upload
// numbered pieces as the session goes. A take is one MediaRecorder run; a
// reload (or a closed lid that ends the page) starts the next one, and the
// pieces of every take still on this device are sent when the page opens
// again. Stop asks the server to assemble the takes once every piece has
// arrived.
(() => {
  const root = document.getElementById('room');
  if (!root) {
    return;
  }
  const sessionId = root.dataset.session;
  const token = new URLSearchParams(location.search).get('token') || '';
  const $ = (id) => document.getElementById(id);
  const show = (id, on) => { $(id).hidden = !on; };

  // Piece length: a lost connection or a closed tab risks at most this
  // much audio not yet handed to IndexedDB.
  const SLICE_MS = 4000;

  let state = null; // the server's RoomState
  let recorder = null;
  let stream = null;
  let take = 0;
  let seq = 0;
  let takeStarted = 0;
  let elapsedMS = 0;
  let runningSince = 0;
  let tick = null;
  let audioCtx = null;
  let wakeLock = null;
  let stopping = false;
  let discarded = false;
  let pending = 0; // pieces on this device not yet on the server
  let saves = Promise.resolve(); // pieces being written to IndexedDB, in order

  // ---- server calls ----
  async function call(method, path, body, contentType) {
    const headers = { 'X-Room-Token': token, Accept: 'application/json' };
    if (contentType) {
      headers['Content-Type'] = contentType;
    }
    const res = await fetch('/room/' + encodeURIComponent(sessionId) + path, { method, headers, body, cache: 'no-store', credentials: 'same-origin' });
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    return { status: res.status, ok: res.ok, data };
  }
  const callJSON = (path, v) => call('POST', path, JSON.stringify(v), 'application/json');

  function fail(msg) {
    const el = $('room-error');
    el.textContent = msg;
    el.hidden = false;
  }

  // ---- IndexedDB: pieces (pending upload) and takes (pieces counted) ----
  let dbp = null;
  function db() {
    if (!dbp) {
      dbp = new Promise((resolve, reject) => {
        const req = indexedDB.open('scribe-room', 1);
        req.onupgradeneeded = () => {
          const d = req.result;
          d.createObjectStore('pieces', { keyPath: ['session', 'take', 'seq'] });
          d.createObjectStore('takes', { keyPath: ['session', 'take'] });
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return dbp;
  }
  async function tx(stores, mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const t = d.transaction(stores, mode);
      let out;
      t.oncomplete = () => resolve(out);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
      out = fn(t);
    });
  }
  const range = () => IDBKeyRange.bound([sessionId, -Infinity, -Infinity], [sessionId, Infinity, Infinity]);
  const takeRange = () => IDBKeyRange.bound([sessionId, -Infinity], [sessionId, Infinity]);
  function getAll(storeName, r) {
    return tx([storeName], 'readonly', (t) => {
      const holder = { rows: [] };
      t.objectStore(storeName).getAll(r).onsuccess = (e) => { holder.rows = e.target.result; };
      return holder;
    }).then((h) => h.rows);
  }
  function savePiece(p) {
    return tx(['pieces', 'takes'], 'readwrite', (t) => {
      t.objectStore('pieces').put(p);
      t.objectStore('takes').put({ session: sessionId, take: p.take, count: p.seq + 1, startedAt: p.startedAt });
    });
  }
  const deletePiece = (p) => tx(['pieces'], 'readwrite', (t) => { t.objectStore('pieces').delete([sessionId, p.take, p.seq]); });
  const clearSession = () => tx(['pieces', 'takes'], 'readwrite', (t) => {
    t.objectStore('pieces').delete(range());
    t.objectStore('takes').delete(takeRange());
  });

  // ---- uploading ----
  let uploading = false;
  let retryTimer = null;
  let backoff = 1000;
  async function countPending() {
    pending = (await getAll('pieces', range())).length;
    const el = $('upload-status');
    if (pending === 0) {
      el.textContent = recorder ? 'All audio so far is on the server.' : '';
    } else if (navigator.onLine === false) {
      el.textContent = 'No connection: ' + pending + ' piece(s) of audio are kept on this device and will be sent when the connection returns.';
    } else {
      el.textContent = 'Sending audio: ' + pending + ' piece(s) waiting.';
    }
    el.dataset.pending = String(pending);
  }
  async function upload() {
    if (uploading || discarded) {
      return;
    }
    uploading = true;
    clearTimeout(retryTimer);
    try {
      for (;;) {
        const rows = await getAll('pieces', range());
        pending = rows.length;
        if (rows.length === 0) {
          break;
        }
        rows.sort((a, b) => a.take - b.take || a.seq - b.seq);
        const p = rows[0];
        let res;
        try {
          res = await call('POST', '/pieces/' + p.take + '/' + p.seq + '?startedAt=' + p.startedAt, p.blob, 'application/octet-stream');
        } catch (e) {
          res = null; // offline or the server unreachable: keep it, try later
        }
        if (res && res.ok) {
          await deletePiece(p);
          backoff = 1000;
          await countPending();
          continue;
        }
        if (res && res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          fail((res.data && res.data.error) || 'The server refused the recording.');
          break;
        }
        retryTimer = setTimeout(upload, backoff);
        backoff = Math.min(backoff * 2, 5000);
        break;
      }
    } finally {
      uploading = false;
      await countPending();
    }
    if (stopping && pending === 0) {
      finish();
    }
  }
  window.addEventListener('online', () => { backoff = 1000; upload(); });
  window.addEventListener('offline', () => { countPending(); });

  // ---- the consent question ----
  function render() {
    show('room-loading', false);
    const c = state.consent;
    $('consent-ai').textContent = c.aiScribeText;
    if (c.part2) {
      $('consent-part2').textContent = c.part2Text;
      show('consent-part2', true);
      show('consent-attest', false); // a Part 2 consent is the client's own
    }
    const res = $('consent-result');
    if (state.ended) {
      show('consent', false);
      show('recorder', false);
      show('room-done', true);
      $('done-text').textContent = state.consentState === 'declined'
        ? 'The client declined. Nothing was recorded; the session goes ahead without the AI scribe.'
        : state.consentState === 'revoked'
          ? 'The AI scribe was stopped. Nothing recorded was kept.'
          : 'The recording is on the server. Scribe is transcribing it; the draft note will be on the session page.';
      return;
    }
    if (state.consentState === 'granted') {
      show('consent', false);
      res.textContent = 'Consent is recorded. You may record.';
      res.hidden = false;
      show('recorder', true);
    } else {
      show('consent', true);
      show('recorder', false);
    }
  }
  async function answer(choice) {
    for (const id of ['consent-attest', 'consent-accept', 'consent-decline']) {
      $(id).disabled = true;
    }
    try {
      const res = await callJSON('/consent', { choice, textVersion: state.consent.version });
      if (!res.ok) {
        fail((res.data && res.data.error) || 'The answer was not recorded; try again.');
        return;
      }
      state = res.data;
      render();
    } catch (e) {
      fail('No connection to the server: the answer was not recorded. Try again when the connection is back.');
    } finally {
      for (const id of ['consent-attest', 'consent-accept', 'consent-decline']) {
        $(id).disabled = false;
      }
    }
  }
  $('consent-attest').addEventListener('click', () => answer('attest'));
  $('consent-accept').addEventListener('click', () => answer('accept'));
  $('consent-decline').addEventListener('click', () => answer('decline'));

  // ---- recording ----
  function pickType() {
    if (typeof MediaRecorder === 'undefined') {
      return null;
    }
    for (const t of ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm']) {
      if (MediaRecorder.isTypeSupported(t)) {
        return t;
      }
    }
    return null;
  }
  const pad = (n) => String(n).padStart(2, '0');
  function showElapsed() {
    const ms = elapsedMS + (runningSince ? Date.now() - runningSince : 0);
    const s = Math.floor(ms / 1000);
    const h = Math.floor(s / 3600);
    $('rec-elapsed').textContent = (h ? h + ':' : '') + pad(Math.floor(s / 60) % 60) + ':' + pad(s % 60);
  }
  function indicate(st, words) {
    const ind = $('recording-indicator');
    ind.dataset.state = st;
    $('rec-state').textContent = words;
    show('record-start', st === 'idle');
    show('record-pause', st === 'recording');
    show('record-resume', st === 'paused');
    show('record-stop', st === 'recording' || st === 'paused');
  }
  function startLevel(s) {
    try {
      audioCtx = new AudioContext();
      const src = audioCtx.createMediaStreamSource(s);
      const an = audioCtx.createAnalyser();
      an.fftSize = 1024;
      src.connect(an);
      const buf = new Float32Array(an.fftSize);
      const meter = $('rec-level');
      const level = () => {
        an.getFloatTimeDomainData(buf);
        let sum = 0;
        for (const v of buf) {
          sum += v * v;
        }
        // RMS on a loudness-like scale: speech sits mid-way.
        meter.value = recorder && recorder.state === 'recording' ? Math.min(1, Math.sqrt(sum / buf.length) * 4) : 0;
      };
      tick = setInterval(() => { level(); showElapsed(); }, 100);
    } catch (e) {
      tick = setInterval(showElapsed, 250);
    }
  }
  async function lockScreen() {
    if (!('wakeLock' in navigator) || wakeLock) {
      return;
    }
    try {
      wakeLock = await navigator.wakeLock.request('screen');
      wakeLock.addEventListener('release', () => { wakeLock = null; });
    } catch (e) {
      wakeLock = null; // refused (battery saver): recording goes on
    }
  }
  document.addEventListener('visibilitychange', () => {
    if (!recorder || recorder.state === 'inactive') {
      return;
    }
    if (document.visibilityState === 'visible') {
      lockScreen();
    } else if (recorder.state === 'recording') {
      // A closed lid or a phone put away: hand over what is recorded so
      // far, so it is kept even if the page does not come back.
      recorder.requestData();
    }
  });
  function releaseAll() {
    clearInterval(tick);
    tick = null;
    if (stream) {
      stream.getTracks().forEach((t) => t.stop());
      stream = null;
    }
    if (audioCtx) {
      audioCtx.close().catch(() => {});
      audioCtx = null;
    }
    if (wakeLock) {
      wakeLock.release().catch(() => {});
      wakeLock = null;
    }
    $('rec-level').value = 0;
  }

  async function nextTake() {
    let n = 0;
    for (const k of Object.keys(state.received || {})) {
      n = Math.max(n, Number(k) + 1);
    }
    for (const t of await getAll('takes', takeRange())) {
      n = Math.max(n, t.take + 1);
    }
    return n;
  }

  $('record-start').addEventListener('click', async () => {
    $('mic-error').hidden = true;
    const type = pickType();
    if (!type) {
      show('unsupported', true);
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show('unsupported', true);
      return;
    }
    $('record-start').disabled = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 } });
    } catch (e) {
      $('record-start').disabled = false;
      const el = $('mic-error');
      if (e && (e.name === 'NotAllowedError' || e.name === 'SecurityError')) {
        el.textContent = 'Scribe may not use the microphone. Allow it for this site in the browser (the icon beside the address, or the phone\'s settings for this browser), then press Start recording again.';
      } else if (e && (e.name === 'NotFoundError' || e.name === 'OverconstrainedError')) {
        el.textContent = 'No microphone was found. Connect one (or check that this device has one switched on), then press Start recording again.';
      } else if (e && e.name === 'NotReadableError') {
        el.textContent = 'The microphone is in use by another program or could not be started. Close the other program, then press Start recording again.';
      } else {
        el.textContent = 'The microphone could not be started. Check it is connected and allowed, then press Start recording again.';
      }
      el.hidden = false;
      return;
    }
    take = await nextTake();
    seq = 0;
    takeStarted = Date.now();
    discarded = false;
    recorder = new MediaRecorder(stream, { mimeType: type, audioBitsPerSecond: 32000 });
    recorder.addEventListener('dataavailable', async (e) => {
      if (discarded || !e.data || e.data.size === 0) {
        return;
      }
      const p = { session: sessionId, take, seq: seq++, startedAt: takeStarted, blob: e.data };
      saves = saves.then(() => savePiece(p)).catch(() => {
        fail('This device could not keep a piece of the audio (is its storage full?). Free some space and keep recording.');
      });
      saves.then(upload);
    });
    recorder.addEventListener('stop', () => {
      releaseAll();
      // The last piece came just before this event: Stop is asked only
      // once it is kept, so the count the server checks includes it.
      saves.then(() => {
        if (!discarded) {
          stopping = true;
          upload();
        }
      });
    });
    recorder.start(SLICE_MS);
    elapsedMS = 0;
    runningSince = Date.now();
    startLevel(stream);
    lockScreen();
    indicate('recording', 'Recording');
    $('record-start').disabled = false;
    countPending();
  });

  $('record-pause').addEventListener('click', () => {
    if (!recorder || recorder.state !== 'recording') {
      return;
    }
    recorder.pause();
    elapsedMS += Date.now() - runningSince;
    runningSince = 0;
    showElapsed();
    indicate('paused', 'Paused — nothing is recorded');
  });
  $('record-resume').addEventListener('click', () => {
    if (!recorder || recorder.state !== 'paused') {
      return;
    }
    recorder.resume();
    runningSince = Date.now();
    indicate('recording', 'Recording');
  });
  $('record-stop').addEventListener('click', () => {
    if (!recorder || recorder.state === 'inactive') {
      // Nothing recording now (the page was reloaded): send what was
      // recorded before and finish.
      stopping = true;
      indicate('stopped', 'Stopped — sending the recording');
      show('record-stop', false);
      upload();
      return;
    }
    if (runningSince) {
      elapsedMS += Date.now() - runningSince;
      runningSince = 0;
    }
    // The recorder hands over its last piece, then stops; the microphone
    // is released at once, so nothing after this press is recorded.
    recorder.stop();
    indicate('stopped', 'Stopped — sending the recording');
    show('record-stop', false);
  });

  let finishing = false;
  async function finish() {
    if (finishing || discarded) {
      return;
    }
    finishing = true;
    let again = false;
    try {
      const counts = {};
      for (const t of await getAll('takes', takeRange())) {
        counts[String(t.take)] = t.count;
      }
      let res = null;
      try {
        res = await callJSON('/finish', { pieces: counts });
      } catch (e) {
        res = null;
      }
      if (res && res.ok) {
        stopping = false;
        recorder = null;
        await clearSession();
        state.ended = true;
        state.consentState = 'granted';
        render();
      } else if (res && res.status !== 409 && res.status < 500) {
        fail((res.data && res.data.error) || 'The recording could not be finished.');
      } else {
        again = true; // offline, or pieces still on their way
      }
    } finally {
      finishing = false;
    }
    if (again) {
      setTimeout(upload, 2000); // upload finishes once nothing is pending
    }
  }

  $('scribe-stop').addEventListener('click', async () => {
    discarded = true;
    stopping = false;
    if (recorder && recorder.state !== 'inactive') {
      recorder.stop();
    }
    releaseAll();
    await clearSession();
    indicate('idle', 'Not recording');
    for (;;) {
      let res = null;
      try {
        res = await call('POST', '/scribe-stop');
      } catch (e) {
        res = null;
      }
      if (res && res.ok) {
        state.ended = true;
        state.consentState = 'revoked';
        render();
        return;
      }
      if (res && res.status < 500) {
        fail((res.data && res.data.error) || 'The AI scribe could not be stopped.');
        return;
      }
      $('upload-status').textContent = 'No connection: the AI scribe stops (and the recording is deleted) when the connection returns.';
      await new Promise((r) => setTimeout(r, 2000));
    }
  });

  window.addEventListener('beforeunload', (e) => {
    if (recorder && recorder.state === 'recording') {
      recorder.requestData(); // kept while the person answers the warning
    }
    if ((recorder && recorder.state !== 'inactive') || pending > 0) {
      e.preventDefault();
      e.returnValue = '';
    }
  });

  // ---- open ----
  (async () => {
    let res;
    try {
      res = await call('GET', '/state');
    } catch (e) {
      show('room-loading', false);
      fail('No connection to the server. Reload this page when the connection is back.');
      return;
    }
    if (!res.ok) {
      show('room-loading', false);
      fail((res.data && res.data.error) || 'This room link does not work.');
      return;
    }
    state = res.data;
    if (state.ended && state.consentState !== 'granted') {
      await clearSession().catch(() => {});
    }
    render();
    // Pieces kept here from before a reload: send them now.
    const left = await getAll('pieces', range()).catch(() => []);
    const before = Object.keys(state.received || {}).length > 0 || (await getAll('takes', takeRange()).catch(() => [])).length > 0;
    if (before && !state.ended && state.consentState === 'granted') {
      show('record-stop', true); // finish what was recorded before the reload
    }
    if (left.length > 0 && !state.ended) {
      $('upload-status').textContent = 'Sending ' + left.length + ' piece(s) of audio kept on this device from before.';
      upload();
    } else if (state.ended) {
      await clearSession().catch(() => {});
    }
  })();
})();
