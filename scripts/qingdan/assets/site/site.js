/* qingdan: filter and search within one table (progressive enhancement).
   The table on the page is complete without this script; it only hides rows.
   It reads nothing but the page itself: no site-wide data is loaded. */
(function () {
  "use strict";

  function norm(text) {
    return (text || "").toLowerCase().replace(/\s+/g, "");
  }

  function setup(form) {
    var target = document.getElementById(form.getAttribute("data-qd-filter"));
    if (!target) { return; }
    var rows = Array.prototype.slice.call(target.querySelectorAll("tbody tr"));
    var texts = rows.map(function (row) { return norm(row.textContent); });
    var groups = Array.prototype.slice.call(target.querySelectorAll(".qd-group"));
    var select = form.querySelector("select[data-qd-key]");
    var key = select ? select.getAttribute("data-qd-key") : "";
    var input = form.querySelector("input[data-qd-text]");
    var count = form.querySelector(".qd-filter__count");

    function apply() {
      var want = select ? select.value : "";
      var query = norm(input.value);
      var shown = 0;
      rows.forEach(function (row, i) {
        var ok = (!want || row.getAttribute("data-" + key) === want) &&
                 (!query || texts[i].indexOf(query) !== -1);
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      groups.forEach(function (group) {
        group.hidden = !group.querySelector("tbody tr:not([hidden])");
      });
      count.textContent = (want || query)
        ? "显示 " + shown + " 条，共 " + rows.length + " 条"
        : "共 " + rows.length + " 条";
    }

    form.addEventListener("submit", function (event) { event.preventDefault(); });
    if (select) {
      select.addEventListener("change", apply);
      // A link like powers/?type=01 opens the list already filtered.
      var wanted = new URLSearchParams(window.location.search).get(key);
      if (wanted && select.querySelector('option[value="' + wanted.replace(/[^0-9A-Za-z\u4e00-\u9fff]/g, "") + '"]')) {
        select.value = wanted;
      }
    }
    input.addEventListener("input", apply);
    form.hidden = false;
    apply();
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-qd-filter]"), setup);
})();
