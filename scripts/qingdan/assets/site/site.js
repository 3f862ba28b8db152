/* qingdan: filter and search within one table (progressive enhancement).
   The table on the page is complete without this script; it only hides rows.
   It reads nothing but the page itself: no site-wide data is loaded. */
(function () {
  "use strict";

  var FIND = "find"; // the address parameter of the text filter

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
      remember(want, input.value.trim());
    }

    /* The filters live in the address, so a filtered list can be bookmarked and shared. */
    function remember(want, text) {
      var url = new URL(window.location.href);
      if (key) {
        if (want) { url.searchParams.set(key, want); } else { url.searchParams.delete(key); }
      }
      if (text) { url.searchParams.set(FIND, text); } else { url.searchParams.delete(FIND); }
      if (url.href !== window.location.href) { window.history.replaceState(window.history.state, "", url.href); }
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
    var find = new URLSearchParams(window.location.search).get(FIND);
    if (find) { input.value = find.slice(0, 100); }
    input.addEventListener("input", apply);
    form.hidden = false;
    apply();
  }

  /* Each cell of a list learns its column's header, so that the style sheet
     can show the list as cards on a phone. */
  function cards(table) {
    var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (cell.tagName === "TD" && headers[i]) { cell.setAttribute("data-label", headers[i]); }
      });
    });
    table.classList.add("qd-cards");
  }

  /* The 404 page at /items/<code>/: the item may have been renumbered or removed. */
  function missingItem(note) {
    var match = /\/items\/([^\/]+)\/?(?:index\.html)?$/.exec(window.location.pathname);
    if (!match) { return; }
    var code = match[1];
    try { code = decodeURIComponent(code); } catch (error) { /* shown as typed */ }
    note.querySelector("[data-qd-404-code]").textContent = code;
    var search = note.querySelector("[data-qd-404-search]");
    search.href = search.href.split("?")[0] + "?q=" + encodeURIComponent(code);
    note.hidden = false;
  }

  /* The feedback form opened from an item or department page: ?item=…&topic=… fill it in. */
  function feedbackForm(form) {
    var params = new URLSearchParams(window.location.search);
    var item = params.get("item");
    if (item) { form.querySelector("[name=item]").value = item.slice(0, 200); }
    var topic = form.querySelector("[name=topic]");
    var wanted = params.get("topic");
    if (wanted && topic.querySelector('option[value="' + wanted.replace(/[^a-z]/g, "") + '"]')) {
      topic.value = wanted;
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-qd-404-item]"), missingItem);
  Array.prototype.forEach.call(document.querySelectorAll("form[data-qd-feedback]"), feedbackForm);
  Array.prototype.forEach.call(document.querySelectorAll("table.qd-table--list"), cards);
  Array.prototype.forEach.call(document.querySelectorAll("form[data-qd-filter]"), setup);
})();
