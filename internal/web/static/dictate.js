// Dictation on the session page: the clinician records a recap with the
// browser's microphone (MediaRecorder, Opus), and at Stop it is uploaded
// as the session's dictation; the page then follows the new session.
// Nothing is uploaded before Stop, and nothing is kept by the browser.
(function () {
  "use strict";
  var box = document.querySelector("[data-dictate]");
  if (!box) { return; }
  var start = box.querySelector("[data-testid=dictate-start]");
  var stop = box.querySelector("[data-testid=dictate-stop]");
  var status = box.querySelector("[data-testid=dictate-status]");
  var csrf = document.body.getAttribute("data-csrf") || "";
  var rec = null, stream = null, pieces = [], began = 0, timer = 0;

  function say(text) { status.textContent = text; }
  function elapsed() {
    var s = Math.floor((Date.now() - began) / 1000);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function release() {
    if (timer) { clearInterval(timer); timer = 0; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
  }
  function mime() {
    var kinds = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm"];
    for (var i = 0; i < kinds.length; i++) {
      if (window.MediaRecorder && MediaRecorder.isTypeSupported(kinds[i])) { return kinds[i]; }
    }
    return "";
  }

  function upload(blob) {
    say("Uploading your dictation…");
    var form = new FormData();
    form.append("session", box.getAttribute("data-session"));
    form.append("kind", "dictation");
    var name = blob.type.indexOf("ogg") >= 0 ? "dictation.ogg" : "dictation.webm";
    form.append("recording", blob, name); // the recording goes last
    fetch("/ingest", { method: "POST", body: form, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf } })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { return { ok: r.ok, j: j }; });
      })
      .then(function (res) {
        if (!res.ok) {
          say((res.j && res.j.error) || "The dictation was not accepted; nothing was kept. Try again.");
          start.disabled = false;
          return;
        }
        say("Dictation received; drafting the note.");
        window.location.assign(res.j.location);
      })
      .catch(function () {
        say("The dictation could not be uploaded (the network failed); nothing was kept. Try again.");
        start.disabled = false;
      });
  }

  start.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
      say("This browser cannot record audio; use a current Chrome, Edge, Firefox or Safari.");
      return;
    }
    start.disabled = true;
    navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } }).then(function (s) {
      stream = s;
      pieces = [];
      var type = mime();
      rec = type ? new MediaRecorder(s, { mimeType: type }) : new MediaRecorder(s);
      rec.ondataavailable = function (e) { if (e.data && e.data.size > 0) { pieces.push(e.data); } };
      rec.onstop = function () {
        release();
        var blob = new Blob(pieces, { type: rec.mimeType || "audio/webm" });
        pieces = [];
        if (blob.size === 0) {
          say("Nothing was recorded; check the microphone and try again.");
          start.disabled = false;
          return;
        }
        upload(blob);
      };
      rec.start(1000);
      began = Date.now();
      stop.disabled = false;
      box.setAttribute("data-recording", "1");
      say("Recording your dictation… 0:00");
      timer = setInterval(function () { say("Recording your dictation… " + elapsed()); }, 1000);
    }).catch(function (err) {
      start.disabled = false;
      if (err && (err.name === "NotAllowedError" || err.name === "SecurityError")) {
        say("The microphone was not allowed; allow it for this site in the browser's settings and try again.");
      } else {
        say("No microphone was found; connect one and try again.");
      }
    });
  });

  stop.addEventListener("click", function () {
    if (!rec || rec.state === "inactive") { return; }
    stop.disabled = true;
    box.removeAttribute("data-recording");
    rec.stop();
  });
})();
