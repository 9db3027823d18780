// diemcau pages: small progressive enhancements; every page works without them.
"use strict";

// A form with data-confirm asks before it is sent (deleting, closing a conference).
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  var msg = form.getAttribute && form.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    ev.preventDefault();
  }
});

// A select with data-autosubmit sends its filter form when it changes, so a phone
// user need not find the button.
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
  }
});
