// Small behaviours shared by every page, wired by data attributes so that the
// Content-Security-Policy can forbid inline scripts:
//   data-print       a button that opens the print dialog
//   data-autosubmit  a select that submits its form when changed;
//                    data-clear="name" also empties that field first
// and, on every page, after a refused submit: focus the first field marked invalid, so that
// keyboard and screen-reader users land on what needs fixing (its message is read with it).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
document.addEventListener("change", function (event) {
  var field = event.target.closest("[data-autosubmit]");
  if (!field || !field.form) return;
  var clear = field.getAttribute("data-clear");
  if (clear && field.form.elements[clear]) field.form.elements[clear].value = "";
  field.form.submit();
});
document.addEventListener("DOMContentLoaded", function () {
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
});
