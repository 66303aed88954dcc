// Small behaviours shared by every page, wired by data attributes so that the
// Content-Security-Policy can forbid inline scripts:
//   data-print       a button that opens the print dialog
//   data-clear="name"  a select whose change empties that other field (a commune of
//                      another area); nothing submits on a change (WCAG 3.2.2: a keyboard
//                      user moving through the options must not reload the page)
// the skip link, which moves the focus without changing the address (below); and, on every
// page, after a refused submit: focus the first field marked invalid, or the form's message
// when no single field is at fault (data-error-summary, e.g. a code and a birth date that match
// no one), so that keyboard and screen-reader users land on what needs fixing.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
  // The skip link moves the focus without adding #content to the address: a form sent later
  // posts to the address, and the page that answers would jump to #content, taking the focus
  // from the field marked invalid.
  var skip = event.target.closest(".skip-link");
  var target = skip && document.getElementById(skip.getAttribute("href").slice(1));
  if (target) {
    event.preventDefault();
    target.focus();
  }
});
document.addEventListener("change", function (event) {
  var field = event.target.closest("[data-clear]");
  if (!field || !field.form) return;
  var other = field.form.elements[field.getAttribute("data-clear")];
  if (other) other.value = "";
});
document.addEventListener("DOMContentLoaded", function () {
  var invalid = document.querySelector("[aria-invalid=true], [data-error-summary]");
  if (invalid) invalid.focus();
});
