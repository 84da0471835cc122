// Face enrollment with the browser camera: capture one frame, send it to the server, show
// the server's verdict. The server decides everything; this only captures and displays.
(function () {
  "use strict";
  var root = document.getElementById("face-camera");
  if (!root) return;
  var video = root.querySelector("video");
  var canvas = root.querySelector("canvas");
  var startButton = root.querySelector("[data-role=start]");
  var shootButton = root.querySelector("[data-role=shoot]");
  var result = root.querySelector("[data-role=result]");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var stream = null;

  function say(text, kind) {
    result.textContent = text;
    result.className = "flash" + (kind ? " " + kind : "");
    result.hidden = false;
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(root.dataset.msgNoCamera, "error");
      return;
    }
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        return video.play();
      })
      .then(function () {
        startButton.hidden = true;
        shootButton.hidden = false;
        shootButton.disabled = false;
      })
      .catch(function () {
        stopCamera();
        say(root.dataset.msgNoCamera, "error");
      });
  }

  function send(blob) {
    var body = new FormData();
    body.append("image", blob, "camera.jpg");
    body.append("source", "camera");
    say(root.dataset.msgSending, "");
    fetch(root.dataset.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (reply) {
        if (reply.status === 201 || reply.status === 202) {
          // 202: held for a regulator. Not a success: a neutral notice (the page says it once).
          say(reply.status === 201 ? root.dataset.msgEnrolled : reply.data.message,
              reply.status === 201 ? "success" : "info");
          stopCamera();
          window.setTimeout(function () { window.location.reload(); }, 1500);
          return;
        }
        say(reply.data.error ? reply.data.error.message : root.dataset.msgFailed, "error");
        shootButton.disabled = false;
      })
      .catch(function () {
        say(root.dataset.msgFailed, "error");
        shootButton.disabled = false;
      });
  }

  function shoot() {
    if (!video.videoWidth) return;
    shootButton.disabled = true;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    canvas.toBlob(function (blob) {
      if (blob) send(blob);
      else shootButton.disabled = false;
    }, "image/jpeg", 0.92);
  }

  startButton.addEventListener("click", startCamera);
  shootButton.addEventListener("click", shoot);
  window.addEventListener("pagehide", stopCamera);
})();
