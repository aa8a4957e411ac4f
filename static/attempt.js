// The attempt page, enhanced: saves each answer (and the prediction) as it is given, keeps
// what is not saved yet on this device and retries, shows a countdown to the server's
// deadline, submits through the API and submits by itself when time runs out. Every
// failure ends in a visible state: the session lost (with the way back), the connection
// lost (the number of unsaved answers), a submit refused (why). Without this script the
// page is a plain form that saves and submits by form post.
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
  var submitButton = document.getElementById("submit-button");
  var prediction = document.getElementById("prediction");
  var predictionState = document.getElementById("prediction-state");
  var resultUrl = "/attempts/" + attemptId + "/result";
  var storeKey = "cuocthi-attempt-" + attemptId;
  var pending = {};   // question → the save in flight
  var failing = {};   // question → true while not saved
  var authLost = false;
  var submitting = false;
  var finished = false;

  var mode = document.getElementById("save-mode");
  if (mode) mode.textContent = "Mỗi câu trả lời được lưu ngay khi bạn chọn (“Đã lưu lúc …” hiện dưới câu hỏi).";

  // Answers not yet saved are kept on this device, so a reload, a lost session or a lost
  // connection does not lose them.
  function unsavedStore() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function keepUnsaved(q, value) {
    try {
      var all = unsavedStore();
      if (value === undefined) delete all[q]; else all[q] = value;
      if (Object.keys(all).length === 0) window.localStorage.removeItem(storeKey);
      else window.localStorage.setItem(storeKey, JSON.stringify(all));
    } catch (e) { /* storage refused (private mode): the retry still runs */ }
  }

  function questionsOf() { return form.querySelectorAll("fieldset.question[data-question]"); }
  function fieldsetOf(q) { return form.querySelector('fieldset.question[data-question="' + q + '"]'); }

  function choicesOf(fieldset) {
    var out = [];
    fieldset.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (input) {
      if (input.checked) out.push(input.value);
    });
    return out;
  }

  function updateProgress() {
    var n = 0;
    questionsOf().forEach(function (f) {
      var has = choicesOf(f).length > 0;
      if (has) n += 1;
      var nav = document.querySelector('.qnav a[href="#' + f.id + '"]');
      if (nav) nav.classList.toggle("answered", has);
    });
    var count = document.getElementById("answered-count");
    if (count) count.textContent = String(n);
  }

  function setState(el, cls, text) {
    if (!el) return;
    el.className = "save-state " + cls;
    el.textContent = text;
  }
  function stateOf(q) {
    return q === "prediction" ? predictionState : fieldsetOf(q).querySelector(".save-state");
  }

  function now() { return new Date().toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", second: "2-digit" }); }

  // The banner says what is wrong and what to do; empty when all is well.
  function showBanner(message, link) {
    banner.textContent = "";
    if (!message) { banner.classList.add("hidden"); return; }
    banner.appendChild(document.createTextNode(message + " "));
    if (link) {
      var a = document.createElement("a");
      a.href = link.href; a.textContent = link.text; a.id = "banner-link";
      banner.appendChild(a);
    }
    banner.classList.remove("hidden");
  }

  function loginLink() {
    return { href: "/login?next=" + encodeURIComponent("/attempts/" + attemptId), text: "Đăng nhập lại" };
  }

  function updateBanner() {
    var n = Object.keys(failing).length;
    if (authLost) {
      showBanner("Phiên đăng nhập đã hết — đăng nhập lại, bài làm của bạn vẫn được giữ" +
        (n > 0 ? " (" + n + " câu trả lời chưa lưu được lưu trên máy này)." : "."), loginLink());
    } else if (n > 0) {
      showBanner("Chưa lưu được " + n + " câu trả lời (mất kết nối?). Bài làm được giữ trên máy này và tự lưu lại khi có mạng — đừng đóng trang.");
    } else {
      showBanner("");
    }
  }

  // Sends one value (an answer or the prediction) until it is saved, the session is lost,
  // or the attempt is over. Network errors and server errors are retried with backoff.
  function send(q, attempt) {
    var isPrediction = q === "prediction";
    var value = isPrediction ? predictionValue() : choicesOf(fieldsetOf(q));
    if (isPrediction && value === false) {
      setState(predictionState, "failed", "Số dự đoán phải là số nguyên từ 0 đến 1.000.000.000.");
      return Promise.resolve();
    }
    keepUnsaved(q, value);
    var url = "/api/v1/attempts/" + attemptId + (isPrediction ? "/prediction" : "/answers/" + q);
    var body = JSON.stringify(isPrediction ? { prediction: value } : { choices: value });
    var p = fetch(url, {
      method: "PUT",
      credentials: "same-origin",
      // The API refuses cookie-authenticated writes without this header (cross-site guard).
      headers: { "Content-Type": "application/json", "X-Requested-With": "fetch" },
      body: body
    }).then(function (response) {
      if (response.ok) {
        delete failing[q];
        keepUnsaved(q, undefined);
        setState(stateOf(q), "saved", "Đã lưu lúc " + now());
        updateBanner();
        return;
      }
      if (response.status === 409) {
        // Time is up on the server: the attempt was scored with the answers saved in time.
        finished = true;
        window.location.href = resultUrl + "?tu-dong=1";
        return;
      }
      if (response.status === 401 || response.status === 403 || response.status === 404) {
        authLost = true;
        failing[q] = true;
        setState(stateOf(q), "failed", "Chưa lưu: cần đăng nhập lại.");
        updateBanner();
        return;
      }
      if (response.status === 422) {
        delete failing[q];
        keepUnsaved(q, undefined);
        setState(stateOf(q), "failed", "Không lưu được câu trả lời này — hãy chọn lại.");
        updateBanner();
        return;
      }
      throw new Error("HTTP " + response.status);
    }).catch(function () {
      failing[q] = true;
      updateBanner();
      setState(stateOf(q), "failed", "Chưa lưu được — đang thử lại…");
      var wait = Math.min(30000, 1000 * Math.pow(2, attempt));
      return new Promise(function (resolve) { setTimeout(resolve, wait); }).then(function () {
        if (pending[q] !== p || authLost || finished) return;
        return send(q, attempt + 1);
      });
    });
    pending[q] = p;
    return p;
  }

  function save(q) {
    setState(stateOf(q), "", "Đang lưu…");
    return send(q, 0);
  }

  questionsOf().forEach(function (fieldset) {
    fieldset.addEventListener("change", function () {
      updateProgress();
      save(fieldset.getAttribute("data-question"));
    });
  });

  // The prediction: saved like an answer, a moment after typing stops.
  function predictionValue() {
    var raw = prediction.value.trim();
    if (raw === "") return null;
    var n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 1000000000) return false;
    return n;
  }
  if (prediction) {
    var typing = null;
    prediction.addEventListener("input", function () {
      clearTimeout(typing);
      setState(predictionState, "", "Chưa lưu…");
      typing = setTimeout(function () { save("prediction"); }, 700);
    });
    prediction.addEventListener("change", function () { clearTimeout(typing); save("prediction"); });
  }

  // What this device kept unsaved from an earlier visit comes back, and is saved now.
  (function restore() {
    var kept = unsavedStore();
    Object.keys(kept).forEach(function (q) {
      if (q === "prediction") {
        if (!prediction) return;
        prediction.value = kept[q] === null ? "" : String(kept[q]);
      } else {
        var fieldset = fieldsetOf(q);
        if (!fieldset || !Array.isArray(kept[q])) return;
        fieldset.querySelectorAll("input").forEach(function (input) {
          input.checked = kept[q].indexOf(input.value) >= 0;
        });
      }
      save(q);
    });
    updateProgress();
  })();

  window.addEventListener("online", function () {
    Object.keys(failing).forEach(function (q) { if (!authLost) save(q); });
  });

  function unanswered() {
    var list = [];
    questionsOf().forEach(function (fieldset) {
      if (choicesOf(fieldset).length === 0) list.push(fieldset.getAttribute("data-question"));
    });
    return list;
  }

  function setSubmitting(on) {
    submitting = on;
    submitButton.disabled = on;
    submitButton.textContent = on ? "Đang nộp…" : "Nộp bài";
  }

  // Waits for the saves in flight, at most `ms`.
  function settle(ms) {
    var waits = Object.keys(pending).map(function (k) { return pending[k]; });
    return Promise.race([
      Promise.all(waits),
      new Promise(function (resolve) { setTimeout(resolve, ms); })
    ]);
  }

  function refuse(message) {
    setSubmitting(false);
    updateBanner();
    if (message && !authLost) showBanner(message);
    banner.scrollIntoView({ block: "nearest" });
  }

  // Submits once every answer is saved; says why not otherwise. `automatic` at time's end.
  function submitNow(automatic) {
    setSubmitting(true);
    if (prediction && predictionValue() !== false) save("prediction");
    return settle(8000).then(function () {
      if (authLost) return refuse();
      var n = Object.keys(failing).length;
      if (n > 0) {
        return refuse("Chưa nộp được: " + n + " câu trả lời chưa lưu được (mất kết nối?). Bài làm được giữ trên máy này; bấm “Nộp bài” lại khi có mạng.");
      }
      return fetch("/api/v1/attempts/" + attemptId + "/submit", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-Requested-With": "fetch" },
        body: "{}"
      }).then(function (response) {
        if (response.ok || response.status === 409) {
          finished = true;
          try { window.localStorage.removeItem(storeKey); } catch (e) { /* nothing kept */ }
          window.location.href = resultUrl + (automatic ? "?tu-dong=1" : "");
          return;
        }
        if (response.status === 401 || response.status === 403 || response.status === 404) {
          authLost = true;
          return refuse();
        }
        return response.json().then(function (body) {
          refuse("Chưa nộp được: " + ((body && body.error && body.error.message) || "lỗi máy chủ") + " Hãy thử lại.");
        }, function () { refuse("Chưa nộp được (lỗi máy chủ " + response.status + "). Hãy thử lại."); });
      }, function () {
        refuse("Chưa nộp được: không có kết nối mạng. Bài làm được giữ; bấm “Nộp bài” lại khi có mạng.");
      });
    });
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.value !== "submit") return;
    event.preventDefault();
    if (submitting) return;
    var missing = unanswered();
    var message = missing.length === 0
      ? "Bạn chắc chắn muốn nộp bài?"
      : "Bạn chưa trả lời " + missing.length + " câu: " + missing.join(", ") + ". Vẫn nộp bài?";
    if (window.confirm(message)) submitNow(false);
  });

  function tick() {
    var left = Math.max(0, deadline - (Date.now() + skew));
    var m = Math.floor(left / 60000), s = Math.floor((left % 60000) / 1000);
    timer.textContent = "Còn " + m + ":" + (s < 10 ? "0" : "") + s;
    timer.classList.toggle("low", left < 60000);
    if (left <= 0) {
      if (!submitting && !finished) submitNow(true);
      return;
    }
    setTimeout(tick, 500);
  }
  if (timer && !isNaN(deadline)) tick();
})();
