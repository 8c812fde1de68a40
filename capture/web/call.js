// Scribe call page: signaling over WebSocket, one RTCPeerConnection to the
// relay, consent before joining, recording indicator while recording.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const parts = location.pathname.split("/");
  const sessionID = parts[2] || "";
  const params = new URLSearchParams(location.search);
  // The join token is kept out of the address bar and history, and in this
  // tab's session storage, so a reload rejoins (it ends with the tab).
  const tokenKey = "scribe-call-token:" + sessionID;
  let token = params.get("token") || "";
  try {
    if (token) sessionStorage.setItem(tokenKey, token);
    else token = sessionStorage.getItem(tokenKey) || "";
  } catch (e) {
    // Storage may be off; the link still works once.
  }
  if (params.has("token")) history.replaceState(null, "", location.pathname);

  let ws = null;
  let pc = null;
  let me = null;
  let consentInfo = null;
  let iceServers = [];
  let localStream = null;
  let state = { recording: false, participants: [] };
  let consentDecided = false;
  let schedule = null;  // the session's appointment (ISO times), if booked
  let waiting = false;  // a client here before the clinician
  let left = false;
  let ended = false;
  let queue = Promise.resolve();
  // Reconnecting after the signaling connection is lost (network change,
  // relay restart): about a minute of attempts, then the page gives up.
  const reconnectDelays = [500, 1000, 2000, 4000, 8000, 8000, 8000, 8000, 8000, 8000];
  let reconnects = 0;
  let welcomed = false; // on the current connection
  let refused = false;  // the server refused the join: do not retry
  let joinedOnce = false;
  let early = false;    // the link opens the call later: wait, do not reconnect
  const tiles = new Map(); // participant id → {fig, video, stream}

  function setStatus(text) { $("status").textContent = text; }
  function showError(text) {
    const el = $("error");
    el.textContent = text;
    el.hidden = !text;
  }
  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  function connect() {
    if (!sessionID || !token) {
      setStatus("This link is incomplete.");
      showError("The join link has no session or token. Use the full link your clinician sent.");
      return;
    }
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    welcomed = false;
    ws = new WebSocket(proto + "//" + location.host + "/call/" + encodeURIComponent(sessionID) + "/ws");
    ws.addEventListener("open", () => send({ type: "join", token: token }));
    ws.addEventListener("message", (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { showError("The server sent an unreadable message."); return; }
      // Handle messages strictly in order: SDP steps must not interleave.
      queue = queue.then(() => handle(msg)).catch((e) => {
        showError("Call setup problem: " + e.message);
        // A connection that missed a step cannot catch up: start afresh
        // (the close handler reconnects and rejoins, a limited number of
        // times).
        if (joinedOnce && !left && !ended && ws) ws.close();
      });
    });
    ws.addEventListener("close", (ev) => {
      // 4001: this participant joined from another window, which goes on;
      // reconnecting here would take the call back from it.
      const replaced = ev.code === 4001;
      // Let an "ended" still in the queue be handled first.
      queue = queue.then(() => {
        if (left || ended || early) return;
        hangUp();
        if (replaced) {
          setStatus("You joined this call from another window or device; the call continues there.");
          return;
        }
        if (me && !refused && reconnects < reconnectDelays.length) {
          setStatus("Connection to the call lost. Reconnecting…");
          setTimeout(connect, reconnectDelays[reconnects++]);
          return;
        }
        setStatus("Disconnected from the call server. Reload this page to rejoin.");
      });
    });
  }

  async function handle(msg) {
    switch (msg.type) {
      case "welcome":
        welcomed = true;
        me = msg.participant;
        consentInfo = msg.consentInfo;
        iceServers = (msg.iceServers || []).map((s) => ({ urls: s.urls, username: s.username, credential: s.credential }));
        state = msg.state || state;
        schedule = msg.schedule || null;
        if (joinedOnce && consentDecided) {
          // Back after a lost connection: the decision is on file; rejoin.
          $("end").hidden = me.role !== "clinician";
          setStatus("Reconnected. Rejoining the call…");
          await join();
          break;
        }
        renderState();
        if (me.role !== "clinician" && !clinicianHere() && !consentDecided) {
          showWaiting();
          break;
        }
        proceedToConsent();
        break;
      case "consent-recorded":
        consentDecided = true;
        $("consent-result").textContent = msg.consent && msg.consent.granted
          ? (msg.consent.method === "verbal_attested" ? "The client's verbal consent is recorded." : "Thank you: your consent is recorded.")
          : "Your decision is recorded: nothing will be recorded.";
        $("join").disabled = false;
        break;
      case "answer":
        await pc.setRemoteDescription(msg.sdp);
        markAudioCodec();
        break;
      case "offer":
        if (!pc) return;
        await pc.setRemoteDescription(msg.sdp);
        await pc.setLocalDescription(await pc.createAnswer());
        send({ type: "answer", sdp: pc.localDescription });
        break;
      case "candidate":
        if (pc && msg.candidate) await pc.addIceCandidate(msg.candidate);
        break;
      case "state":
        state = msg.state;
        renderState();
        if (waiting && clinicianHere()) proceedToConsent();
        break;
      case "error":
        if (!welcomed) refused = true; // the join itself was refused
        showError(msg.error);
        break;
      case "early":
        // The link opens the call later; it stays good (come back, or
        // keep the page open: it tries again when the call opens).
        early = true;
        schedule = msg.schedule || null;
        showEarly();
        break;
      case "notice":
        $("notice").textContent = msg.reason || "";
        $("notice").hidden = !msg.reason;
        break;
      case "ended":
        ended = true;
        waiting = false;
        $("waiting").hidden = true;
        $("consent").hidden = true;
        $("prejoin").hidden = true;
        if (msg.resumable) {
          // Only the call closed: the session is open and this tab keeps
          // its link, so a rejoin (or a reload) goes back in.
          setStatus("The call closed" + (msg.reason ? " (" + msg.reason + ")" : "") + ". The session is still open: rejoin when you are ready.");
          $("closed").hidden = false;
        } else {
          try { sessionStorage.removeItem(tokenKey); } catch (e) { /* storage off */ }
          setStatus(msg.status || ("The call has ended" + (msg.reason ? " (" + msg.reason + ")" : "") + ". You can close this page."));
        }
        hangUp();
        break;
    }
  }

  function clinicianHere() {
    return (state.participants || []).some((p) => p.role === "clinician");
  }

  // when says a time as the participant reads it, in their own time zone:
  // "at 14:00" today, "on Thursday 10 December at 14:00" another day.
  function when(d) {
    const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    if (d.toDateString() === new Date().toDateString()) return "at " + time;
    return "on " + d.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" }) + " at " + time;
  }

  // showWaiting tells a client who is early that the clinician has not
  // started yet, with the appointment time; the page goes on by itself
  // when the clinician arrives (a state message).
  function showWaiting() {
    waiting = true;
    $("waiting-title").textContent = "Waiting for your clinician";
    const text = $("waiting-text");
    text.replaceChildren();
    const start = schedule ? new Date(schedule.start) : null;
    if (start && !isNaN(start)) {
      const t = document.createElement("time");
      t.dateTime = schedule.start;
      t.textContent = when(start);
      if (start > new Date()) {
        text.append("Your clinician will start the session ", t, ".");
      } else {
        text.append("Your session was booked ", t, ". Your clinician has not started it yet.");
      }
    } else {
      text.textContent = "Your clinician has not started the session yet.";
    }
    $("waiting").hidden = false;
    setStatus("Waiting for your clinician.");
    loadQuestionnaires();
  }

  // showEarly tells a participant who opened the link before the call
  // opens when the appointment is, in their own time zone, and tries again
  // by itself when the call opens.
  function showEarly() {
    const text = $("waiting-text");
    text.replaceChildren();
    const start = schedule ? new Date(schedule.start) : null;
    const opens = schedule && schedule.opens ? new Date(schedule.opens) : null;
    $("waiting-title").textContent = "Your appointment has not started yet";
    if (start && !isNaN(start)) {
      const t = document.createElement("time");
      t.dateTime = schedule.start;
      t.textContent = when(start);
      text.append("Your appointment is ", t, ".");
      if (opens && !isNaN(opens)) {
        const o = document.createElement("time");
        o.dateTime = schedule.opens;
        o.textContent = opens.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
        text.append(" This link opens the call from ", o, " (30 minutes before). Your link stays valid: come back then.");
      }
    } else {
      text.textContent = "This link does not open the call yet. Your link stays valid: come back at the time of your appointment.";
    }
    $("waiting").hidden = false;
    setStatus("Your appointment has not started yet.");
    loadQuestionnaires();
    if (opens && !isNaN(opens)) {
      const wait = Math.min(Math.max(opens - new Date(), 0) + 1000, 2147483647);
      setTimeout(() => { early = false; connect(); }, wait);
    }
  }

  // loadQuestionnaires shows, on the waiting page, the questionnaires the
  // clinician sent to this link that are not answered yet: one form each,
  // sent with the link's token in a header (never in the address).
  let questionnairesLoaded = false;
  async function loadQuestionnaires() {
    if (questionnairesLoaded || !token) return;
    questionnairesLoaded = true;
    let list = [];
    try {
      const res = await fetch("/call/" + encodeURIComponent(sessionID) + "/questionnaires", { headers: { "X-Join-Token": token }, cache: "no-store" });
      if (res.ok) list = await res.json();
    } catch (e) { /* none shown: the clinician can ask in the session */ }
    $("questionnaires").dataset.loaded = "1";
    if (!Array.isArray(list) || list.length === 0) return;
    const box = $("questionnaire-forms");
    box.replaceChildren();
    for (const q of list) box.append(questionnaireForm(q));
    $("questionnaires").hidden = false;
  }

  function questionnaireForm(q) {
    const form = document.createElement("form");
    form.className = "questionnaire";
    form.dataset.testid = "questionnaire";
    form.dataset.instrument = q.id;
    const h = document.createElement("h3");
    h.textContent = q.name;
    const stem = document.createElement("p");
    stem.textContent = q.stem;
    form.append(h, stem);
    q.items.forEach((it, i) => {
      const fs = document.createElement("fieldset");
      const lg = document.createElement("legend");
      lg.textContent = (i + 1) + ". " + it.text;
      fs.append(lg);
      for (const o of it.options) {
        const label = document.createElement("label");
        const input = document.createElement("input");
        input.type = "radio";
        input.name = q.id + "-" + i;
        input.value = String(o.value);
        input.required = true;
        label.append(input, " " + o.text);
        fs.append(label);
      }
      form.append(fs);
    });
    const send = document.createElement("button");
    send.type = "submit";
    send.textContent = "Send my answers (" + q.name + ")";
    send.dataset.testid = "questionnaire-send";
    form.append(send);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const answers = q.items.map((_, i) => {
        const c = form.querySelector("input[name='" + q.id + "-" + i + "']:checked");
        return c ? Number(c.value) : -1;
      });
      send.disabled = true;
      let body = {};
      try {
        const res = await fetch("/call/" + encodeURIComponent(sessionID) + "/questionnaires", {
          method: "POST", headers: { "X-Join-Token": token, "Content-Type": "application/json" }, body: JSON.stringify({ id: q.id, answers: answers }),
        });
        body = await res.json();
        if (!res.ok) throw new Error(body.error || "The answers were not saved; try again.");
      } catch (e) {
        send.disabled = false;
        $("questionnaire-result").textContent = e.message || "The answers were not saved; try again.";
        return;
      }
      form.remove();
      $("questionnaire-result").textContent = body.message || "Thank you.";
      if (body.crisis) {
        $("crisis").textContent = body.message;
        $("crisis").hidden = false;
      }
    });
    return form;
  }

  function proceedToConsent() {
    waiting = false;
    $("waiting").hidden = true;
    showConsent();
    setStatus("Connected as " + me.label + ". Please answer the consent question.");
  }

  function showConsent() {
    $("consent").hidden = false;
    $("prejoin").hidden = false;
    $("consent-text").textContent = consentInfo.aiScribeText;
    if (consentInfo.part2) {
      $("part2").hidden = false;
      $("part2-text").textContent = consentInfo.part2Text;
    }
    $("consent-attest").hidden = !(me && me.role === "clinician");
    $("end").hidden = !(me && me.role === "clinician");
    $("leave-hint").hidden = !(me && me.role === "clinician");
  }

  function decide(granted, method) {
    const base = { granted: granted, method: method, textVersion: consentInfo.version };
    send({ type: "consent", consent: Object.assign({ scope: "ai_scribe" }, base) });
    if (consentInfo.part2) send({ type: "consent", consent: Object.assign({ scope: "part2_tpo" }, base) });
  }

  async function getMedia() {
    const audio = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: audio, video: true });
    } catch (e) {
      // No camera (or camera refused): join with audio only.
      return await navigator.mediaDevices.getUserMedia({ audio: audio });
    }
  }

  async function join() {
    $("join").disabled = true;
    setStatus("Starting your microphone…");
    try {
      localStream = await getMedia();
    } catch (e) {
      setStatus("Microphone unavailable.");
      showError("Scribe needs your microphone to join: " + e.name + ". Allow microphone access and reload.");
      $("join").disabled = false;
      return;
    }
    joinedOnce = true;
    $("error").hidden = true;
    $("local-video").srcObject = localStream;
    $("camera").hidden = localStream.getVideoTracks().length === 0;
    pc = new RTCPeerConnection({ iceServers: iceServers });
    for (const track of localStream.getTracks()) pc.addTrack(track, localStream);
    preferRedundantAudio(pc);
    pc.addEventListener("icecandidate", (ev) => {
      if (ev.candidate && ev.candidate.candidate) send({ type: "candidate", candidate: ev.candidate.toJSON() });
    });
    pc.addEventListener("track", (ev) => {
      const stream = ev.streams[0];
      if (stream) attachRemote(stream);
    });
    pc.addEventListener("connectionstatechange", () => {
      const s = pc ? pc.connectionState : "closed";
      const text = { new: "Connecting media…", connecting: "Connecting media…", connected: "In the call.",
        disconnected: "Connection interrupted, reconnecting…", failed: "Media connection failed.", closed: "Call closed." }[s];
      if (text && !left && !ended) setStatus(text);
      if (s === "connected") {
        reconnects = 0; // back in the call: a later loss gets every attempt again
        $("error").hidden = true;
      }
    });
    await pc.setLocalDescription(await pc.createOffer());
    send({ type: "offer", sdp: pc.localDescription });
    $("consent").hidden = true;
    $("prejoin").hidden = true;
    $("call").hidden = false;
    $("local-label").textContent = "You (" + me.label + ")";
    renderState();
  }

  // Ask to send audio with RFC 2198 redundancy (each packet repeats the one
  // before), where the browser can: the relay recovers lost packets from it,
  // so the recording keeps words a lossy network would drop.
  function preferRedundantAudio(pc) {
    if (!window.RTCRtpSender || !RTCRtpSender.getCapabilities) return;
    const caps = (window.RTCRtpReceiver && RTCRtpReceiver.getCapabilities ? RTCRtpReceiver : RTCRtpSender).getCapabilities("audio");
    if (!caps || !caps.codecs) return;
    const red = caps.codecs.filter((c) => c.mimeType.toLowerCase() === "audio/red");
    if (red.length === 0) return;
    const rest = caps.codecs.filter((c) => c.mimeType.toLowerCase() !== "audio/red");
    for (const tr of pc.getTransceivers()) {
      if (tr.sender && tr.sender.track && tr.sender.track.kind === "audio" && tr.setCodecPreferences) {
        try {
          tr.setCodecPreferences(red.concat(rest));
        } catch (e) {
          // Codec preferences are an optimisation; plain Opus works too.
        }
      }
    }
  }

  // The negotiated microphone codec, on the call element for support and
  // tests ("audio/red" when redundancy is on).
  function markAudioCodec() {
    for (const sender of pc ? pc.getSenders() : []) {
      if (sender.track && sender.track.kind === "audio") {
        const codecs = sender.getParameters().codecs || [];
        if (codecs.length > 0) $("call").dataset.audioCodec = codecs[0].mimeType.toLowerCase();
      }
    }
  }

  function attachRemote(stream) {
    const id = stream.id;
    let t = tiles.get(id);
    if (!t) {
      const fig = document.createElement("figure");
      fig.className = "tile";
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      const cap = document.createElement("figcaption");
      fig.append(video, cap);
      $("tiles").append(fig);
      t = { fig: fig, video: video, cap: cap };
      tiles.set(id, t);
    }
    if (t.video.srcObject !== stream) t.video.srcObject = stream;
    renderState();
  }

  function labelOf(id) {
    const p = (state.participants || []).find((x) => x.id === id);
    return p ? p.label : "participant";
  }

  function renderState() {
    // Recording indicator: in the DOM only while recording.
    const slot = $("recording-slot");
    const existing = slot.querySelector("[data-testid=recording-indicator]");
    if (state.recording && !existing) {
      const el = document.createElement("span");
      el.className = "recording";
      el.dataset.testid = "recording-indicator";
      el.setAttribute("role", "status");
      el.textContent = "Recording: the AI scribe is on";
      slot.append(el);
    } else if (!state.recording && existing) {
      existing.remove();
    }
    $("scribe-stop").hidden = !state.recording;
    const list = $("participants");
    list.replaceChildren();
    for (const p of state.participants || []) {
      const li = document.createElement("li");
      li.textContent = p.label + (p.inCall ? " (in call" + (state.recording ? ", recording" : "") + ")" : " (waiting)");
      list.append(li);
    }
    for (const [id, t] of tiles) {
      const p = (state.participants || []).find((x) => x.id === id);
      if (!p || !p.inCall) {
        t.fig.remove();
        tiles.delete(id);
        continue;
      }
      t.cap.textContent = labelOf(id) + (state.recording ? " (recording)" : "");
    }
  }

  // hangUp closes this page's media and leaves the call view. The
  // microphone and camera are off, so nothing of this page is recorded any
  // more and the recording indicator goes.
  function hangUp() {
    if (pc) { pc.close(); pc = null; }
    if (localStream) { for (const tr of localStream.getTracks()) tr.stop(); localStream = null; }
    for (const [, t] of tiles) t.fig.remove();
    tiles.clear();
    state = { recording: false, participants: [] };
    renderState();
    $("call").hidden = true;
  }

  $("consent-accept").addEventListener("click", () => decide(true, "electronic"));
  $("consent-decline").addEventListener("click", () => decide(false, "electronic"));
  $("consent-attest").addEventListener("click", () => decide(true, "verbal_attested"));
  $("join").addEventListener("click", () => { join().catch((e) => showError("Could not join: " + e.message)); });
  $("scribe-stop").addEventListener("click", () => send({ type: "stop-scribe" }));
  $("rejoin").addEventListener("click", () => location.reload());
  $("end").addEventListener("click", () => send({ type: "end" }));
  $("leave").addEventListener("click", () => {
    left = true;
    send({ type: "leave" });
    hangUp();
    setStatus("You left the call.");
  });
  $("mute").addEventListener("click", (ev) => {
    if (!localStream) return;
    const muted = ev.currentTarget.getAttribute("aria-pressed") !== "true";
    for (const t of localStream.getAudioTracks()) t.enabled = !muted;
    ev.currentTarget.setAttribute("aria-pressed", String(muted));
    ev.currentTarget.textContent = muted ? "Unmute microphone" : "Mute microphone";
  });
  $("camera").addEventListener("click", (ev) => {
    if (!localStream) return;
    const off = ev.currentTarget.getAttribute("aria-pressed") !== "true";
    for (const t of localStream.getVideoTracks()) t.enabled = !off;
    ev.currentTarget.setAttribute("aria-pressed", String(off));
    ev.currentTarget.textContent = off ? "Turn camera on" : "Turn camera off";
  });

  connect();
})();
