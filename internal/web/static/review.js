// The review page's enhancements: statement edits saved in place, keyboard
// shortcuts and the Copy button. Without this script every form still
// posts and the page reloads with the result.
(function () {
  "use strict";
  var csrf = document.body.getAttribute("data-csrf") || "";

  function send(form, extra, accept) {
    var body = new URLSearchParams(new FormData(form));
    Object.keys(extra || {}).forEach(function (k) { body.set(k, extra[k]); });
    return fetch(form.getAttribute("action").split("#")[0], {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": accept || "application/json", "X-CSRF-Token": csrf }
    });
  }
  function errorOf(r) {
    return r.text().then(function (t) {
      var msg = "";
      try { msg = JSON.parse(t).error; } catch (x) { msg = ""; }
      throw new Error(msg || "the server answered " + r.status);
    });
  }

  // Statement edits: saved without leaving the page; the page then reloads
  // at the statement with the flags checked again. A refusal is shown in
  // the form, with the text kept.
  Array.prototype.forEach.call(document.querySelectorAll("form.statement-form"), function (form) {
    var state = document.createElement("p");
    state.className = "field-error";
    state.setAttribute("role", "alert");
    form.appendChild(state);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var extra = {};
      if (e.submitter && e.submitter.name) extra[e.submitter.name] = e.submitter.value;
      state.textContent = "";
      send(form, extra).then(function (r) {
        if (!r.ok) return errorOf(r);
        return r.json().then(function (j) {
          history.replaceState(null, "", j.location || location.pathname);
          location.reload();
        });
      }).catch(function (err) { state.textContent = "Not saved: " + err.message; });
    });
    var area = form.querySelector("textarea");
    if (area) area.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      } else if (e.key === "Escape") {
        var d = form.closest("details");
        if (d) { d.open = false; var li = d.closest("li, section"); if (li) li.focus(); }
      }
    });
  });

  // Copy: the paste-ready text of the note (the export, audited as one),
  // put on the clipboard and shown in the page to copy by hand as well.
  Array.prototype.forEach.call(document.querySelectorAll("button.copy-export"), function (b) {
    var form = b.form, state = form.querySelector(".copy-state"), area = form.querySelector("textarea.export-text");
    var label = form.querySelector(".export-text-label");
    b.addEventListener("click", function (e) {
      e.preventDefault();
      if (!form.reportValidity()) return;
      state.textContent = "Preparing the text…";
      send(form, { copy: "1" }, "text/plain, application/json").then(function (r) {
        if (!r.ok) return errorOf(r);
        return r.text();
      }).then(function (text) {
        area.value = text; area.hidden = false; label.hidden = false;
        form.setAttribute("data-copied-text", "1");
        var done = function () { state.textContent = "Copied. Paste it into the record."; b.setAttribute("data-copied", "1"); };
        var manual = function () { area.focus(); area.select(); state.textContent = "Select the text below and copy it (the browser did not allow copying)."; };
        if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, manual);
        else manual();
      }).catch(function (err) { state.textContent = "Not copied: " + err.message; });
    });
  });

  // Keyboard shortcuts (listed on the page): not while typing in a field.
  var jumps = Array.prototype.slice.call(document.querySelectorAll("a.flag-jump"));
  var at = -1, current = null;
  function typing(t) {
    if (!t) return false;
    if (t.isContentEditable) return true;
    if (t.tagName === "TEXTAREA" || t.tagName === "SELECT") return true;
    return t.tagName === "INPUT" && !/^(checkbox|radio|button|submit)$/.test(t.type);
  }
  function go(el) {
    if (!el) return;
    var prev = document.querySelectorAll(".kb-current, .segs li.hl");
    for (var i = 0; i < prev.length; i++) prev[i].classList.remove("kb-current", "hl");
    el.classList.add(el.matches(".segs li") ? "hl" : "kb-current");
    el.scrollIntoView({ block: "center" });
    el.focus({ preventScroll: true });
    current = el;
  }
  function jump(step) {
    if (!jumps.length) return;
    at = (at + step + jumps.length) % jumps.length;
    go(document.querySelector(jumps[at].getAttribute("href")));
  }
  function edit() {
    var el = current || (document.activeElement && document.activeElement.closest && document.activeElement.closest("li[data-testid=statement], section.sec"));
    if (!el || !el.matches("li[data-testid=statement], section.sec")) el = document.querySelector("li[data-testid=statement]") || document.querySelector("section.sec");
    if (!el) return;
    var d = el.matches("li[data-testid=statement]") ? el.querySelector("details.st-edit") : el.querySelector("details.st-add");
    if (!d) return;
    d.open = true;
    var ta = d.querySelector("textarea");
    if (ta) { ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length); }
  }
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    var help = document.getElementById("shortcuts");
    switch (e.key) {
      case "n": case "j": jump(1); break;
      case "p": case "k": jump(-1); break;
      // The editor opens on keyup, so this key's character is not typed
      // into the field it focuses.
      case "e": editPending = true; break;
      case "s": {
        var sign = document.getElementById("sign");
        if (!sign) return;
        sign.scrollIntoView({ block: "start" });
        var f = sign.querySelector("[aria-invalid=true]") || sign.querySelector("input[name=attest]");
        if (f) f.focus({ preventScroll: true });
        break;
      }
      case "?":
        if (!help) return;
        help.open = !help.open;
        if (help.open) { help.scrollIntoView({ block: "nearest" }); help.querySelector("summary").focus(); }
        break;
      default: return;
    }
    e.preventDefault();
  });
  var editPending = false;
  document.addEventListener("keyup", function (e) {
    if (e.key === "e" && editPending) { editPending = false; edit(); }
  });
  document.addEventListener("focusin", function (e) {
    var el = e.target.closest && e.target.closest("li[data-testid=statement], section.sec");
    if (el && !typing(e.target)) current = el;
  });

  // After a refused signature the page opens at the sign panel.
  var err = document.getElementById("sign-error");
  if (err) {
    var sign = document.getElementById("sign");
    if (sign) {
      sign.scrollIntoView({ block: "start" });
      var field = sign.querySelector("[aria-invalid=true]") || sign.querySelector("input[name=attest]");
      if (field && document.activeElement !== field) field.focus({ preventScroll: true });
    }
  }
})();
