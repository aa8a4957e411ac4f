// Registration: a search box that filters the unit list (which follows the unit tree).
// Without this script the list is a plain <select>.
(function () {
  "use strict";
  var select = document.getElementById("unit_code");
  var search = document.getElementById("unit-search");
  if (!select || !search) return;
  search.hidden = false;
  search.previousElementSibling.hidden = false;
  var all = Array.prototype.slice.call(select.options).map(function (o) {
    return { value: o.value, text: o.text, selected: o.selected };
  });
  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase().trim();
  }
  search.addEventListener("input", function () {
    var q = fold(search.value);
    var current = select.value;
    select.innerHTML = "";
    all.forEach(function (o) {
      if (o.value === "" || q === "" || fold(o.text).indexOf(q) !== -1) {
        var option = new Option(o.text, o.value, false, o.value === current);
        select.add(option);
      }
    });
  });
})();
