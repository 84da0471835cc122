// Lesson upload with a progress bar: XMLHttpRequest to the API, the form posts without JS.
(function () {
  "use strict";
  var form = document.getElementById("lesson-upload");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var button = form.querySelector("button[type=submit]");
  var token = document.querySelector("meta[name=csrf-token]").getAttribute("content");

  function fail(message) {
    status.textContent = message;
    status.className = "error";
    button.disabled = false;
    bar.hidden = true;
  }

  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    var file = input.files && input.files[0];
    if (!file) { return; }  // let the browser's "required" message show
    event.preventDefault();
    if (file.size > Number(form.dataset.maxBytes)) { fail(form.dataset.tooLarge); return; }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.api);
    xhr.setRequestHeader("X-CSRFToken", token);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        status.textContent = percent + "%";
      }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status === 201) { window.location.reload(); return; }
      var message = form.dataset.failed;
      try { message = JSON.parse(xhr.responseText).error.message || message; } catch (e) { /* keep */ }
      fail(message);
    });
    xhr.addEventListener("error", function () { fail(form.dataset.failed); });
    button.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    status.className = "hint";
    status.textContent = "0%";
    xhr.send(new FormData(form));
  });
})();
