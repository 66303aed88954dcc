// Small behaviours shared by every page, wired by data attributes so that the
// Content-Security-Policy can forbid inline scripts:
//   data-print       a button that opens the print dialog
//   data-autosubmit  a select that submits its form when changed;
//                    data-clear="name" also empties that field first
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
