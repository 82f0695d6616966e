// zhenggai review pages: keyboard-first queue, confirmations, text selection for missed findings.
// Plain JavaScript, no inline handlers (the Content-Security-Policy forbids inline script).
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function say(text, isError) {
    var s = document.getElementById("status");
    if (!s) return;
    s.textContent = text;
    s.className = "status" + (isError ? " error" : " ok");
  }

  function post(url, fields) {
    var body = new URLSearchParams(fields || {});
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRF-Token": csrf, "Accept": "application/json"}
    }).then(function (r) {
      return r.json().catch(function () { return {error: "服务器返回了无法识别的内容（" + r.status + "）。"}; })
        .then(function (data) { if (!r.ok && !data.error) data.error = "操作失败（" + r.status + "）。"; return data; });
    });
  }

  // Forms that ask before they act (bulk accept shows its count).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });

  // Review queue.
  var queue = document.getElementById("queue");
  if (queue) {
    var rows = Array.prototype.slice.call(queue.querySelectorAll("tbody tr[data-id]"));
    var canReview = queue.getAttribute("data-can-review") === "1";
    var current = rows.length ? 0 : -1;
    var help = document.getElementById("help");

    function select(i) {
      if (!rows.length) return;
      current = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, k) { r.classList.toggle("current", k === current); r.setAttribute("aria-selected", k === current ? "true" : "false"); });
      rows[current].focus({preventScroll: true});
      rows[current].scrollIntoView({block: "nearest"});
    }
    function row() { return current >= 0 ? rows[current] : null; }
    function act(verb, fields) {
      var r = row();
      if (!r) return;
      if (!canReview) { say("您的角色只能查看，不能审核。", true); return; }
      post("/findings/" + r.getAttribute("data-id") + "/" + verb, fields).then(function (data) {
        if (data.error) { say(data.error, true); return; }
        var cell = r.querySelector(".state");
        cell.textContent = data.label;
        cell.className = "state state-" + data.review_state;
        say("第 " + data.id + " 项：" + data.message, false);
        if (verb !== "undo") select(current + 1);
      }).catch(function () { say("网络错误，操作未完成。", true); });
    }
    rows.forEach(function (r, k) { r.addEventListener("click", function () { select(k); }); });
    select(current);

    document.addEventListener("keydown", function (ev) {
      var t = ev.target;
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
      var r = row();
      switch (ev.key) {
        case "j": select(current + 1); break;
        case "k": select(current - 1); break;
        case "Enter": case "o": if (r) window.location.href = "/findings/" + r.getAttribute("data-id"); break;
        case "a": act("accept"); break;
        case "r":
          if (!r) return;
          var reason = window.prompt("驳回理由（可留空）：", "");
          if (reason !== null) act("reject", {reason: reason});
          break;
        case "e": if (r) window.location.href = "/findings/" + r.getAttribute("data-id") + "#edit"; break;
        case "u": act("undo"); break;
        case "?": if (help) help.hidden = !help.hidden; break;
        case "Escape": if (help) help.hidden = true; break;
        default: return;
      }
      ev.preventDefault();
    });
  }

  // Item view: "e" (or #edit) puts the cursor in the correction form; a/r/u work here too.
  var edit = document.getElementById("correct-form");  // "#edit" names no element, so the browser leaves focus to us
  if (edit) {
    var first = document.getElementById("edit-first");
    if (window.location.hash === "#edit" && first) first.focus();
    document.addEventListener("keydown", function (ev) {
      var t = ev.target;
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
      if (ev.key === "e" && first) { first.focus(); ev.preventDefault(); }
    });
  }

  // Document view: selecting text fills the "add a missed finding" form with its offsets.
  var text = document.getElementById("doc-text");
  var missed = document.getElementById("missed");
  if (text && missed) {
    function offsetOf(node, off) {
      var el = node.nodeType === 3 ? node.parentElement : node;
      var block = el && el.closest("[data-offset]");
      if (!block) return null;
      var range = document.createRange();
      range.selectNodeContents(block);
      range.setEnd(node, off);
      return parseInt(block.getAttribute("data-offset"), 10) + range.toString().length;
    }
    text.addEventListener("mouseup", function () {
      var sel = window.getSelection();
      if (!sel || sel.isCollapsed || !sel.rangeCount) return;
      var rg = sel.getRangeAt(0);
      var a = offsetOf(rg.startContainer, rg.startOffset), b = offsetOf(rg.endContainer, rg.endOffset);
      if (a === null || b === null || b <= a) return;
      document.getElementById("missed-start").value = a;
      document.getElementById("missed-end").value = b;
      document.getElementById("missed-text").textContent = sel.toString();
      missed.hidden = false;
    });
  }
})();
