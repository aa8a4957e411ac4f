// Ticks the countdowns the server wrote (progressive enhancement: without this script the
// server's text stays, right when the page was made). Time is the server's: each element
// carries the server's clock at render, so a wrong clock on the phone does not matter.
(function () {
  "use strict";
  var items = Array.prototype.map.call(document.querySelectorAll("[data-countdown-to]"), function (el) {
    return {
      el: el,
      to: Date.parse(el.getAttribute("data-countdown-to")),
      skew: Date.parse(el.getAttribute("data-server-now")) - Date.now()
    };
  });
  if (!items.length) return;
  // The same words as views::countdown::remaining_vi.
  function words(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return d + " ngày" + (h > 0 ? " " + h + " giờ" : "");
    if (h > 0) return h + " giờ" + (m > 0 ? " " + m + " phút" : "");
    if (m > 0) return m + " phút";
    return "dưới 1 phút";
  }
  function tick() {
    items.forEach(function (it) {
      if (isNaN(it.to) || isNaN(it.skew)) return;
      it.el.textContent = words(it.to - (Date.now() + it.skew));
    });
  }
  setInterval(tick, 20000);
})();
