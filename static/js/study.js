// Supervised lesson player. The server decides everything (checks, crediting); this script
// only captures camera frames when the server asks, reports the player's state, and shows
// what the server answered.
(function () {
  "use strict";
  const root = document.getElementById("study");
  if (!root) return;
  const cfg = JSON.parse(root.dataset.config);
  const labels = JSON.parse(document.getElementById("state-labels").dataset.labels);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const video = document.getElementById("lesson-video");
  const camera = document.getElementById("camera-preview");
  const overlay = document.getElementById("check-overlay");
  const countdown = document.getElementById("check-countdown");
  const checkMessage = document.getElementById("check-message");
  const checkGo = document.getElementById("check-go");
  const instruction = document.getElementById("check-instruction");
  const instructionText = document.getElementById("check-instruction-text");
  const arrowBox = document.getElementById("check-arrow");
  const startBtn = document.getElementById("study-start");
  const endBtn = document.getElementById("study-end");
  const message = document.getElementById("study-message");
  const badge = document.getElementById("state-badge");

  let session = null;      // {session_id, state, ...} from the server
  let check = null;        // the open check, if any
  let checkDeadline = 0;   // local ms, from the server's seconds_left
  let furthest = 0;        // furthest position the player may reach without seeking ahead
  let heartbeatTimer = null;
  let countdownTimer = null;
  let answering = false;

  // Notices about one action (a blocked seek or speed-up) clear themselves after a while.
  const TRANSIENT = new Set(["seek_blocked", "rate_blocked"]);
  let sayTimer = null;
  const say = (code, fallback) => {
    const text = cfg.messages[code] || fallback || code || "";
    message.textContent = text;
    clearTimeout(sayTimer);
    if (TRANSIENT.has(code)) {
      sayTimer = setTimeout(() => { if (message.textContent === text) message.textContent = ""; }, 5000);
    }
  };

  async function api(path, options) {
    const init = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
    init.headers["X-CSRFToken"] = csrf;
    if (init.json !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(init.json);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      say("network");
      return { status: 0, body: {} };
    }
    let body = {};
    try { body = await response.json(); } catch (err) { body = {}; }
    return { status: response.status, body: body };
  }

  function errorCode(body) { return body && body.error ? body.error.code : null; }
  function errorText(body) { return body && body.error ? body.error.message : ""; }

  function show(state) {
    badge.textContent = labels[state] || state;
    badge.className = "badge" + (state === "active" ? " ok" : state === "suspended" ? " bad" : "");
    badge.dataset.state = state;
  }

  // The server's figures: credited, watched but pending verification, and the lesson's
  // attested coverage (the same figure as "My learning hours" and the class page).
  // Seconds as "4 min 30 s" ("4 分钟 30 秒"), or "30 s" under a minute.
  function duration(seconds) {
    const whole = Math.max(0, Math.floor(seconds || 0));
    const min = Math.floor(whole / 60);
    const sec = whole % 60;
    const units = cfg.units;
    return min ? min + " " + units.min + " " + sec + " " + units.s : sec + " " + units.s;
  }

  function figures(body) {
    document.getElementById("credited").textContent = duration(body.credited_seconds);
    document.getElementById("pending").textContent = duration(body.pending_seconds);
    if (body.lesson && typeof body.lesson.watched_percent === "number") {
      document.getElementById("coverage").textContent = body.lesson.watched_percent;
    }
  }

  function update(body) {
    if (!body || !body.session_id) return;
    session = Object.assign(session || {}, body);
    show(body.state);
    figures(body);
    if (body.lesson) furthest = Math.max(furthest, body.lesson.furthest_position || 0);
    if (body.state === "suspended") say("suspended");
    if (body.state === "ended") finished();
    if (body.check && (!check || check.id !== body.check.id)) openCheck(body.check);
  }

  // -- camera -----------------------------------------------------------------------------
  async function startCamera() {
    if (camera.srcObject) return true;
    try {
      camera.srcObject = await navigator.mediaDevices.getUserMedia({
        video: { width: 640, height: 480 }, audio: false,
      });
      await camera.play();
      return true;
    } catch (err) {
      say("camera_denied");
      return false;
    }
  }

  function grab() {
    const canvas = document.createElement("canvas");
    canvas.width = camera.videoWidth || 640;
    canvas.height = camera.videoHeight || 480;
    canvas.getContext("2d").drawImage(camera, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // -- checks -----------------------------------------------------------------------------
  function openCheck(next) {
    check = next;
    checkDeadline = Date.now() + next.seconds_left * 1000;
    video.pause();
    overlay.hidden = false;
    checkMessage.textContent = "";
    checkGo.disabled = false;
    clearInterval(countdownTimer);
    countdownTimer = setInterval(() => {
      const left = Math.max(0, Math.ceil((checkDeadline - Date.now()) / 1000));
      countdown.textContent = left;
    }, 250);
    answerCheck();
  }

  function closeCheck() {
    check = null;
    overlay.hidden = true;
    clearInterval(countdownTimer);
  }

  // The server's liveness challenge: neutral frames first, then the instruction (text and
  // an arrow), a moment for the turn to begin, then frames while the learner turns.
  function instruct(text, arrow) {
    instruction.hidden = !text;
    instructionText.textContent = text || "";
    arrowBox.textContent = arrow || "";
    arrowBox.className = "arrow" + (arrow ? " moving" : "");
  }

  async function captureBurst(form) {
    const neutral = check.challenge ? check.neutral_frames : check.frames;
    instruct(cfg.messages.look_at_camera, "");
    for (let i = 0; i < neutral; i++) {
      if (i) await sleep(check.frame_interval_ms);
      form.append("frames", await grab(), "frame" + i + ".jpg");
    }
    if (!check.challenge) return;
    instruct(check.instruction, check.challenge === "turn_left" ? "\u2190" : "\u2192");
    await sleep(cfg.turnLeadMs);
    for (let i = 0; i < check.turned_frames; i++) {
      if (i) await sleep(check.frame_interval_ms);
      form.append("frames", await grab(), "frame" + (neutral + i) + ".jpg");
    }
  }

  // A 202 means a face worker is verifying the answer: poll the URL it gave until decided.
  async function verdictOf(status, body) {
    while (status === 202 && body.poll) {
      checkMessage.textContent = cfg.messages.verifying;
      await sleep(1000 * (Number(body.retry_after) || 1));
      if (!check) return { status: 0, body: {} };
      ({ status, body } = await api(body.poll, { method: "GET" }));
    }
    return { status, body };
  }

  function explain(reason) {
    return cfg.messages[reason] || cfg.messages.check_failed;
  }

  async function answerCheck() {
    if (answering || !check) return;
    answering = true;
    checkGo.disabled = true;
    try {
      if (!(await startCamera())) return;
      await sleep(600);
      const form = new FormData();
      form.append("nonce", check.nonce);
      await captureBurst(form);
      instruct("", "");
      checkMessage.textContent = cfg.messages.verifying;
      const url = cfg.api + "/" + session.session_id + "/checks/" + check.id;
      const sent = await api(url, { method: "POST", body: form });
      const { status, body } = await verdictOf(sent.status, sent.body);
      if (status === 200) {
        session.state = body.state;
        show(body.state);
        figures(body);
        if (body.passed) {
          closeCheck();
          message.textContent = "";
          if (body.state === "ended") { finished(); return; }
          startHeartbeats();
          video.play().catch(() => {});
        } else {
          checkMessage.textContent = explain(body.reason);
          if (body.check) {
            check = body.check; checkDeadline = Date.now() + body.check.seconds_left * 1000;
            checkGo.disabled = false;
          } else {
            closeCheck();
            message.textContent = explain(body.reason);
            if (body.state === "ended") finished(); else startHeartbeats();
          }
        }
      } else if (status) {
        const code = errorCode(body);
        checkMessage.textContent = cfg.messages[code] || errorText(body);
        checkGo.disabled = false;
        if (code === "check_expired" || code === "check_closed") {
          closeCheck();
          say(code, errorText(body));
        }
        if (code === "session_ended" || code === "session_expired") { closeCheck(); finished(); }
      } else {
        checkGo.disabled = false;
      }
    } finally {
      instruct("", "");
      answering = false;
    }
  }
  checkGo.addEventListener("click", answerCheck);

  // -- heartbeats -------------------------------------------------------------------------
  async function heartbeat() {
    if (!session || session.state === "ended") return;
    const { status, body } = await api(cfg.api + "/" + session.session_id + "/heartbeats", {
      method: "POST",
      json: {
        position: video.currentTime || 0,
        playing: !video.paused && !video.ended,
        playback_rate: video.playbackRate,
        visible: document.visibilityState === "visible",
      },
    });
    if (status === 200) update(body);
    else if (status) { say(errorCode(body), errorText(body)); if (status === 409) finished(); }
  }

  function startHeartbeats() {
    if (heartbeatTimer) return;
    heartbeatTimer = setInterval(heartbeat, cfg.heartbeatMs);
    setTimeout(heartbeat, 300);  // report as soon as the video starts
  }

  function finished() {
    clearInterval(heartbeatTimer);
    heartbeatTimer = null;
    video.pause();
    endBtn.hidden = true;
    startBtn.hidden = false;
    startBtn.disabled = false;
    show("ended");
  }

  // -- player guards (the server never credits these anyway) --------------------------------
  video.addEventListener("timeupdate", () => {
    if (!video.seeking && !video.paused) furthest = Math.max(furthest, video.currentTime);
  });
  video.addEventListener("seeking", () => {
    if (video.currentTime > furthest + 1) { video.currentTime = furthest; say("seek_blocked"); }
  });
  video.addEventListener("ratechange", () => {
    if (video.playbackRate > 1) { video.playbackRate = 1; say("rate_blocked"); }
  });
  video.addEventListener("play", () => {
    if (!session || session.state !== "active" || check) video.pause();
  });
  document.addEventListener("visibilitychange", () => { if (session) heartbeat(); });

  // -- start / end ------------------------------------------------------------------------
  async function start(takeOver) {
    startBtn.disabled = true;
    if (!(await startCamera())) { startBtn.disabled = false; return; }
    const { status, body } = await api(cfg.api, {
      method: "POST", json: { lesson_id: cfg.lessonId, take_over: !!takeOver },
    });
    if (status === 201) {
      startBtn.hidden = true;
      endBtn.hidden = false;
      message.textContent = "";
      update(body);
      return;
    }
    const code = errorCode(body);
    if (code === "session_active" && window.confirm(cfg.messages.session_active)) return start(true);
    say(code, errorText(body));
    if (code === "session_active") {
      // Declined for now: the button now says what it does.
      startBtn.textContent = cfg.messages.take_over;
      startBtn.dataset.takeOver = "1";
    }
    startBtn.disabled = false;
  }
  startBtn.addEventListener("click", () => start(startBtn.dataset.takeOver === "1"));

  endBtn.addEventListener("click", async () => {
    if (!session) return;
    // The server answers with a closing check (or turns the open one into it): the time
    // since the last passed check counts only if that check passes.
    const { status, body } = await api(cfg.api + "/" + session.session_id + "/end", {
      method: "POST", json: {},
    });
    if (status === 200) update(body);
    else say(errorCode(body), errorText(body));
  });
})();
