"use strict";
// Sorting and filtering for tables; the page is complete without it.
document.documentElement.dataset.js = "on";
function cellKey(row, i) {
  const c = row.cells[i];
  const v = c ? (c.dataset.sort !== undefined ? c.dataset.sort : c.textContent.trim()) : "";
  return /^[-+]?\d+(\.\d+)?$/.test(v) ? parseFloat(v) : v.toLowerCase();
}
function sortBy(table, i, th) {
  const asc = th.getAttribute("aria-sort") !== "ascending";
  for (const c of th.parentNode.cells) c.removeAttribute("aria-sort");
  th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  rows.sort(function (a, b) {
    const x = cellKey(a, i), y = cellKey(b, i);
    const r = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return asc ? r : -r;
  });
  for (const r of rows) body.appendChild(r);
}
for (const table of document.querySelectorAll("table.sortable")) {
  if (!table.tHead || !table.tBodies.length) continue;
  const cells = table.tHead.rows[table.tHead.rows.length - 1].cells;
  for (let i = 0; i < cells.length; i++) {
    const th = cells[i];
    const b = document.createElement("button");
    b.type = "button";
    while (th.firstChild) b.appendChild(th.firstChild);
    th.appendChild(b);
    b.addEventListener("click", function () { sortBy(table, i, th); });
  }
}
for (const table of document.querySelectorAll("table.filterable")) {
  const input = document.createElement("input");
  input.type = "search";
  input.className = "filter";
  input.placeholder = "Filter rows";
  input.setAttribute("aria-label", "Filter the rows of " + (table.caption ? table.caption.textContent : "this table"));
  input.addEventListener("input", function () {
    const q = input.value.trim().toLowerCase();
    for (const r of table.tBodies[0].rows) r.hidden = q !== "" && !r.textContent.toLowerCase().includes(q);
  });
  table.parentNode.insertBefore(input, table);
}
