// Asks before a destructive form is sent: any <form data-confirm="question"> (no inline
// script, so it works under a strict Content-Security-Policy). Without JavaScript the form
// is sent as before; the server still decides.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  }, true);
})();
