// Scribe's small progressive enhancements. Every page works without them.
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf") || "";

  // The browser's time zone, for the server's "today" (the day view).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("scribe_tz=" + zone) < 0) {
      document.cookie = "scribe_tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
    }
  } catch (e) { /* no Intl: the server's zone is used */ }

  // Idle logoff: the server signs the browser out after the idle time; the
  // page follows it there instead of showing stale data.
  var idle = parseInt(body.getAttribute("data-idle-ms") || "0", 10);
  var idleTimer = 0;
  function restartIdle() {
    if (!idle) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { location.reload(); }, idle + 2000);
  }
  restartIdle();

  function post(form) {
    restartIdle();
    return fetch(form.action, {
      method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || ("HTTP " + r.status)); return j; });
    });
  }

  // Citations: highlight the cited transcript segment, move focus and the
  // view to it, and play its audio while the audio is kept.
  var player = document.getElementById("player");
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a.cite");
    if (!a) return;
    var seg = document.getElementById("seg-" + a.getAttribute("data-seg"));
    if (!seg) return;
    e.preventDefault();
    var prev = document.querySelectorAll(".segs li.hl");
    for (var i = 0; i < prev.length; i++) prev[i].classList.remove("hl");
    seg.classList.add("hl");
    seg.scrollIntoView({ block: "center" });
    seg.focus({ preventScroll: true });
    if (history.replaceState) history.replaceState(null, "", "#" + seg.id);
    if (player) {
      player.src = player.getAttribute("data-src") + "?seg=" + encodeURIComponent(a.getAttribute("data-seg"));
      var p = player.play();
      if (p && p.catch) p.catch(function () { /* autoplay refused: the controls remain */ });
    }
  });
  if (location.hash.indexOf("#seg-") === 0) {
    var s = document.getElementById(location.hash.slice(1));
    if (s) s.classList.add("hl");
  }

  // Autosave of section edits.
  var forms = document.querySelectorAll("form.autosave");
  Array.prototype.forEach.call(forms, function (form) {
    var area = form.querySelector("textarea"), state = form.querySelector(".save-state"), t = 0;
    function save() {
      if (!area.value.trim()) { state.textContent = "Not saved: the section is empty."; return; }
      state.textContent = "Saving…";
      post(form).then(function () { state.textContent = "Saved"; form.setAttribute("data-saved", "1"); },
        function (err) { state.textContent = "Not saved: " + err.message; });
    }
    area.addEventListener("input", function () { clearTimeout(t); state.textContent = "Unsaved changes"; t = setTimeout(save, 800); });
  });

  // Times: shown in the reader's own time zone (the server writes UTC).
  Array.prototype.forEach.call(document.querySelectorAll("time[data-local]"), function (el) {
    var d = new Date(el.getAttribute("datetime"));
    if (isNaN(d)) return;
    el.textContent = d.toLocaleString([], { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
    el.title = el.getAttribute("datetime");
  });

  // The schedule form's appointment time is the browser's local time: send
  // the offset from UTC it has at that date, so the server reads it right.
  Array.prototype.forEach.call(document.querySelectorAll("input.tz-offset"), function (tz) {
    // data-for: the date-time field whose offset is sent; data-at: a
    // fixed time (ISO) of the page, such as a booked appointment's.
    var input = document.getElementById(tz.getAttribute("data-for"));
    var form = input ? input.form : tz.form;
    if (!form) return;
    form.addEventListener("submit", function () {
      var at = input ? input.value : tz.getAttribute("data-at");
      var d = at ? new Date(at) : new Date();
      if (!isNaN(d)) tz.value = String(-d.getTimezoneOffset());
    });
  });

  // Copy buttons for join links.
  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (b) {
    b.addEventListener("click", function () {
      var text = b.getAttribute("data-copy");
      var done = function () { b.textContent = "Copied"; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { selectLink(b); });
      } else { selectLink(b); }
    });
  });
  function selectLink(b) {
    var input = b.parentNode.querySelector("input.link, textarea.link");
    if (input) { input.focus(); input.select(); }
  }

  // Live pipeline progress on the session page.
  var prog = document.getElementById("progress");
  if (prog) {
    var label = document.getElementById("progress-label"), last = label.textContent;
    var poll = function () {
      fetch(prog.getAttribute("data-status-url"), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) return;
          if (p.label !== last) { label.textContent = p.label; last = p.label; }
          label.className = "status status-" + p.status;
          var steps = document.getElementById("pipeline-steps");
          if (steps && p.steps) {
            p.steps.forEach(function (st, i) {
              var li = steps.children[i];
              if (!li) return;
              li.className = "step step-" + st.state;
              if (st.state === "current") li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
              li.querySelector(".step-state").textContent = st.state_text;
              var t = li.querySelector(".step-time");
              if (st.time) { if (!t) { t = document.createElement("span"); t.className = "step-time"; li.appendChild(t); } t.textContent = st.time; }
            });
          }
          var bar = document.getElementById("progress-bar");
          if (bar && p.chunks) { bar.max = p.chunks; bar.value = p.chunks_done; }
          if (p.ready) { document.getElementById("review-link").hidden = false; return; }
          if (p.status === "failed") { location.reload(); return; }
          setTimeout(poll, 1500);
        }, function () { setTimeout(poll, 5000); });
    };
    var st = label.className;
    if (st.indexOf("status-ready") < 0 && st.indexOf("status-failed") < 0) setTimeout(poll, 1000);
  }

  // Upload with a progress bar.
  var up = document.getElementById("ingest-form");
  if (up && window.XMLHttpRequest) {
    up.addEventListener("submit", function (e) {
      e.preventDefault();
      var bar = document.getElementById("upload-progress"), msg = document.getElementById("upload-status");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", up.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (ev) {
        if (ev.lengthComputable) { bar.value = Math.round(ev.loaded * 100 / ev.total); msg.textContent = "Uploading… " + bar.value + "%"; }
      };
      xhr.onload = function () {
        var j = {};
        try { j = JSON.parse(xhr.responseText); } catch (x) { j = { error: "unexpected answer from the server" }; }
        if (xhr.status >= 200 && xhr.status < 300 && j.location) { msg.textContent = "Uploaded; opening the session…"; location.href = j.location; }
        else { msg.textContent = "Not uploaded: " + (j.error || ("HTTP " + xhr.status)); bar.hidden = true; }
      };
      xhr.onerror = function () { msg.textContent = "Not uploaded: the connection failed."; bar.hidden = true; };
      bar.hidden = false; bar.value = 0;
      xhr.send(new FormData(up));
    });
  }

  // On a narrow window a wide table scrolls inside itself (app.css): then
  // it takes keyboard focus so it can be scrolled with the arrow keys.
  var fitTables = function () {
    Array.prototype.forEach.call(document.querySelectorAll("main table"), function (t) {
      if (t.scrollWidth > t.clientWidth + 1) t.setAttribute("tabindex", "0");
      else if (t.getAttribute("tabindex") === "0") t.removeAttribute("tabindex");
    });
  };
  fitTables();
  window.addEventListener("resize", fitTables);
})();
