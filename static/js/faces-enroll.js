// Face enrollment with the browser camera: take several photos about a second apart (after a
// countdown), let the learner retake any of them, send them all in one request and show the
// server's verdict on each photo. The server decides everything; this only captures and shows.
(function () {
  "use strict";
  var root = document.getElementById("face-camera");
  if (!root) return;
  var config = JSON.parse(root.dataset.config);
  var text = config.messages;
  var video = root.querySelector("video");
  var frame = root.querySelector("[data-role=frame]");
  var progress = root.querySelector("[data-role=progress]");
  var shotList = root.querySelector("[data-role=shots]");
  var result = root.querySelector("[data-role=result]");
  var buttons = {
    start: root.querySelector("[data-role=start]"),
    shoot: root.querySelector("[data-role=shoot]"),
    send: root.querySelector("[data-role=send]"),
    retake: root.querySelector("[data-role=retake]"),
  };
  var shots = Array.prototype.map.call(root.querySelectorAll("[data-shot]"), function (item) {
    return {
      item: item,
      canvas: item.querySelector("canvas"),
      verdict: item.querySelector("[data-role=verdict]"),
      retake: item.querySelector("[data-role=retake-one]"),
      blob: null,
    };
  });
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var stream = null;
  var busy = false;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function say(message, kind) {
    result.textContent = message;
    result.className = "flash" + (kind ? " " + kind : "");
    result.hidden = !message;
  }

  function showProgress(message) {
    progress.textContent = message;
    progress.hidden = !message;
  }

  function wait(ms) {
    return new Promise(function (resolve) { window.setTimeout(resolve, ms); });
  }

  function taken() {
    return shots.filter(function (shot) { return shot.blob; }).length;
  }

  // Which buttons show and which work follows from: camera on, photos taken, busy.
  function refresh() {
    var all = taken() === shots.length;
    buttons.start.hidden = Boolean(stream);
    buttons.shoot.hidden = !stream || taken() > 0;
    buttons.shoot.disabled = busy;
    buttons.send.hidden = buttons.retake.hidden = !all;
    buttons.send.disabled = buttons.retake.disabled = busy || !stream;
    shotList.hidden = taken() === 0 && !busy;
    shots.forEach(function (shot) {
      shot.retake.hidden = !all;
      shot.retake.disabled = busy || !stream;
    });
  }

  function mark(shot, message, kind) {
    shot.verdict.textContent = message;
    shot.verdict.hidden = !message;
    shot.item.classList.toggle("ok", kind === "ok");
    shot.item.classList.toggle("bad", kind === "bad");
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(text.no_camera, "error");
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
      .then(refresh)
      .catch(function () {
        stopCamera();
        say(text.no_camera, "error");
      });
  }

  // One frame of the camera into shot ``index`` (full size to send, a thumbnail to show).
  function capture(index, tries) {
    if (!video.videoWidth) {
      if ((tries || 0) > 25) return Promise.reject(new Error("no video"));
      return wait(200).then(function () { return capture(index, (tries || 0) + 1); });
    }
    var shot = shots[index];
    frame.width = video.videoWidth;
    frame.height = video.videoHeight;
    frame.getContext("2d").drawImage(video, 0, 0, frame.width, frame.height);
    shot.canvas.getContext("2d").drawImage(frame, 0, 0, shot.canvas.width, shot.canvas.height);
    mark(shot, "", "");
    return new Promise(function (resolve, reject) {
      frame.toBlob(function (blob) {
        if (!blob) return reject(new Error("no picture"));
        shot.blob = blob;
        resolve();
      }, "image/jpeg", 0.92);
    });
  }

  // "Photo 2/3 in 1…" each second (``stepMs``), then "Photo 2/3…" and the capture.
  function countdown(index, seconds, stepMs) {
    var values = { number: index + 1, total: shots.length, seconds: seconds };
    if (seconds <= 0) {
      showProgress(fill(text.capturing, values));
      return capture(index);
    }
    showProgress(fill(text.countdown, values));
    return wait(stepMs).then(function () { return countdown(index, seconds - 1, stepMs); });
  }

  // Take the photos ``indexes`` in turn: a countdown before the first, ``gapMs`` between.
  function takePhotos(indexes) {
    busy = true;
    say("", "");
    indexes.forEach(function (index) { shots[index].blob = null; mark(shots[index], "", ""); });
    refresh();
    var chain = countdown(indexes[0], config.countdownS, 1000);
    indexes.slice(1).forEach(function (index) {
      chain = chain.then(function () { return countdown(index, 1, config.gapMs); });
    });
    return chain
      .then(function () { say(text.captured, "info"); })
      .catch(function () { say(text.no_camera, "error"); })
      .then(function () {
        busy = false;
        showProgress("");
        refresh();
      });
  }

  function showRefusal(error) {
    (error.photos || []).forEach(function (photo) {
      var shot = shots[photo.number - 1];
      if (!shot) return;
      if (photo.accepted) mark(shot, text.accepted, "ok");
      else mark(shot, photo.message, "bad");
    });
    // no space after a full-width stop (Chinese), one after an English one
    var joined = /[。！？]$/.test(error.message) ? "" : " ";
    say(error.photos ? error.message + joined + text.refused : error.message, "error");
  }

  function send() {
    var body = new FormData();
    shots.forEach(function (shot, index) {
      body.append("image", shot.blob, "camera-" + (index + 1) + ".jpg");
    });
    body.append("source", "camera");
    busy = true;
    refresh();
    say(text.sending, "");
    fetch(config.url, {
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
          say(reply.status === 201 ? text.enrolled : reply.data.message,
              reply.status === 201 ? "success" : "info");
          shots.forEach(function (shot) { mark(shot, text.accepted, "ok"); });
          stopCamera();
          window.setTimeout(function () { window.location.reload(); }, 1500);
          return;
        }
        if (reply.data.error) showRefusal(reply.data.error);
        else say(text.failed, "error");
      })
      .catch(function () { say(text.failed, "error"); })
      .then(function () {
        busy = false;
        refresh();
      });
  }

  buttons.start.addEventListener("click", startCamera);
  buttons.shoot.addEventListener("click", function () {
    takePhotos(shots.map(function (_shot, index) { return index; }));
  });
  buttons.retake.addEventListener("click", function () {
    takePhotos(shots.map(function (_shot, index) { return index; }));
  });
  buttons.send.addEventListener("click", send);
  shots.forEach(function (shot, index) {
    shot.retake.addEventListener("click", function () { takePhotos([index]); });
  });
  window.addEventListener("pagehide", stopCamera);
})();
