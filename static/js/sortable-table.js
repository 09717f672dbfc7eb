// Sortable tables (data-vz-sortable): each sortable column header holds a <button>, so
// the keyboard reaches it and Enter or Space sorts; the header's aria-sort says the
// order. Numbers sort by the row's data-vz-<key> (a plain decimal); a withheld or empty
// figure has none and stays at the bottom in both orders. Without JavaScript the table
// keeps its order by name.
(function () {
  "use strict";

  const lang = document.documentElement.lang || "nl";
  const status = document.querySelector("[data-vz-sort-status]");

  function keyOf(row, header, index) {
    if (header.dataset.vzSortKind === "number") {
      const raw = row.dataset["vz" + header.dataset.vzSortKey.charAt(0).toUpperCase() +
        header.dataset.vzSortKey.slice(1)];
      return raw === "" || raw === undefined ? null : parseFloat(raw);
    }
    return row.cells[index].textContent.trim();
  }

  function sort(table, header, index) {
    const ascending = header.getAttribute("aria-sort") !== "ascending";
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort(function (a, b) {
      const x = keyOf(a, header, index);
      const y = keyOf(b, header, index);
      if (x === null && y === null) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      const order = typeof x === "number" ? x - y : x.localeCompare(y, lang);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
    table.querySelectorAll("th[aria-sort]").forEach(function (th) {
      th.setAttribute("aria-sort", "none");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    if (status) {
      status.textContent = header.textContent.trim() + ": " +
        (ascending ? status.dataset.ascending || "oplopend" : status.dataset.descending || "aflopend");
    }
  }

  document.querySelectorAll("table[data-vz-sortable]").forEach(function (table) {
    table.querySelectorAll("thead th[aria-sort]").forEach(function (header) {
      const index = Array.prototype.indexOf.call(header.parentNode.children, header);
      header.querySelector("button").addEventListener("click", function () {
        sort(table, header, index);
      });
    });
  });
})();
