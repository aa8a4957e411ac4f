// The attempt page, enhanced: saves each answer as it is given, shows a countdown to the
// server's deadline, and submits by itself when time runs out. Without this script the page
// is a plain form that saves and submits by form post.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form || !window.fetch) return;
  var attemptId = form.getAttribute("data-attempt");
  var deadline = Date.parse(form.getAttribute("data-deadline"));
  // The server's clock is the only clock: measure how far this device's clock is off.
  var skew = Date.parse(form.getAttribute("data-server-time")) - Date.now();
  var banner = document.getElementById("save-banner");
  var timer = document.getElementById("timer");
  var pending = {};
  var failing = {};
  var submitting = false;

  function questionsOf() { return form.querySelectorAll("fieldset.question[data-question]"); }

  function choicesOf(fieldset) {
    var out = [];
    fieldset.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (input) {
      if (input.checked) out.push(input.value);
    });
    return out;
  }

  function setState(fieldset, cls, text) {
    var state = fieldset.querySelector(".save-state");
    state.className = "save-state " + cls;
    state.textContent = text;
    var nav = document.querySelector('.qnav a[href="#' + fieldset.id + '"]');
    if (nav) nav.classList.toggle("answered", choicesOf(fieldset).length > 0);
  }

  function updateBanner() {
    var n = Object.keys(failing).length;
    banner.classList.toggle("hidden", n === 0);
    if (n > 0) banner.textContent = "Chưa lưu được " + n + " câu trả lời (mất kết nối?). Hệ thống đang tự thử lại — đừng đóng trang.";
  }

  function save(fieldset, attempt) {
    var q = fieldset.getAttribute("data-question");
    var body = JSON.stringify({ choices: choicesOf(fieldset) });
    pending[q] = fetch("/api/v1/attempts/" + attemptId + "/answers/" + q, {
      method: "PUT",
      credentials: "same-origin",
      // The API refuses cookie-authenticated writes without this header (cross-site guard).
      headers: { "Content-Type": "application/json", "X-Requested-With": "fetch" },
      body: body
    }).then(function (response) {
      if (response.ok) {
        delete failing[q];
        var t = new Date();
        setState(fieldset, "saved", "Đã lưu lúc " + t.toLocaleTimeString("vi-VN"));
        updateBanner();
        return;
      }
      if (response.status === 409) {
        // Time is up on the server: show the result.
        window.location.href = "/attempts/" + attemptId + "/result";
        return;
      }
      throw new Error("HTTP " + response.status);
    }).catch(function () {
      failing[q] = true;
      updateBanner();
      setState(fieldset, "failed", "Chưa lưu được — đang thử lại…");
      var wait = Math.min(30000, 1000 * Math.pow(2, attempt));
      return new Promise(function (resolve) { setTimeout(resolve, wait); }).then(function () {
        return save(fieldset, attempt + 1);
      });
    });
    return pending[q];
  }

  questionsOf().forEach(function (fieldset) {
    fieldset.addEventListener("change", function () {
      setState(fieldset, "", "Đang lưu…");
      save(fieldset, 0);
    });
  });

  function unanswered() {
    var list = [];
    questionsOf().forEach(function (fieldset) {
      if (choicesOf(fieldset).length === 0) list.push(fieldset.getAttribute("data-question"));
    });
    return list;
  }

  function flushThenSubmit() {
    submitting = true;
    var waits = Object.keys(pending).map(function (k) { return pending[k]; });
    var action = document.createElement("input");
    action.type = "hidden"; action.name = "action"; action.value = "submit";
    form.appendChild(action);
    Promise.all(waits).then(function () { form.submit(); }, function () { form.submit(); });
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (submitting || !button || button.value !== "submit") return;
    event.preventDefault();
    var missing = unanswered();
    var message = missing.length === 0
      ? "Bạn chắc chắn muốn nộp bài?"
      : "Bạn chưa trả lời " + missing.length + " câu: " + missing.join(", ") + ". Vẫn nộp bài?";
    if (window.confirm(message)) flushThenSubmit();
  });

  function tick() {
    var left = Math.max(0, deadline - (Date.now() + skew));
    var m = Math.floor(left / 60000), s = Math.floor((left % 60000) / 1000);
    timer.textContent = "Còn " + m + ":" + (s < 10 ? "0" : "") + s;
    timer.classList.toggle("low", left < 60000);
    if (left <= 0 && !submitting) { flushThenSubmit(); return; }
    setTimeout(tick, 500);
  }
  if (timer && !isNaN(deadline)) tick();
})();
